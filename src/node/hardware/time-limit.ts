// A time limit for detection work: a tool that hangs becomes an outcome ('timeout'), never a wait.
export type Outcome<T> =
  { ok: true; value: T; durationMs: number } | { ok: false; reason: 'timeout' | 'failed'; message: string; durationMs: number };

/** Runs work with a time limit. A timed-out promise keeps running; its result is ignored. */
export async function withTimeout<T>(work: () => Promise<T> | T, timeoutMs: number): Promise<Outcome<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref?.();
  });
  try {
    const running = Promise.resolve().then(work);
    running.catch(() => undefined);
    const result = await Promise.race([running.then((value) => ({ value })), timeout]);
    const durationMs = Math.round(performance.now() - started);
    if (result === 'timeout') return { ok: false, reason: 'timeout', message: `no answer within ${timeoutMs / 1000} s`, durationMs };
    return { ok: true, value: result.value, durationMs };
  } catch (error) {
    return { ok: false, reason: 'failed', message: errorMessage(error), durationMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || 'unknown error';
}
