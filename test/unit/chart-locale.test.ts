// The benchmark chart under a locale Intl rejects: a browser started under LANG=C.UTF-8 reports
// "en-US@posix", and the chart library builds its number format from it as it loads.
import { describe, expect, it } from 'vitest';
import { usableLocale } from '../../src/renderer/src/locale';

describe('the locale the chart library loads with', () => {
  it('drops the "@" part Intl rejects, keeps a locale it accepts, and falls back to en-US', () => {
    expect(() => new Intl.NumberFormat('en-US@posix')).toThrow();
    expect(usableLocale('en-US@posix')).toBe('en-US');
    expect(usableLocale('de-DE')).toBe('de-DE');
    expect(usableLocale('@@')).toBe('en-US');
  });
});
