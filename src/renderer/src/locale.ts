// The locale a browser reports, made one Intl accepts (for libraries that format numbers as they load).
/**
 * A locale Intl accepts for this browser's language: a browser started under LANG=C.UTF-8 on Linux
 * reports "en-US@posix", which Intl.NumberFormat rejects; its language tag without the "@" part is used.
 */
export function usableLocale(language: string): string {
  for (const candidate of [language, language.split('@')[0] ?? '', 'en-US']) {
    try {
      new Intl.NumberFormat(candidate);
      return candidate;
    } catch {
      // try the next one
    }
  }
  return 'en-US';
}
