// Parsers are written never to throw; merging still guards each call, so that one source's
// surprise costs only that source's facts, never the snapshot.

/** fn's answer, or the fallback when it throws. */
export function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
