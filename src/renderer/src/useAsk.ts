// One question to the host at a time, from a form: its answer, its error (shown, never thrown) and
// whether it is still out. The compare, pool and fine-tune panels ask this way.
import { useCallback, useRef, useState } from 'react';

export interface Ask<T> {
  result: T | null;
  error: string | null;
  busy: boolean;
  /** Asks unless a question is already out: the button stays enabled while busy so focus stays; a second press waits. */
  ask(question: () => Promise<T>): void;
}

export function useAsk<T>(): Ask<T> {
  const [result, setResult] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const out = useRef(false);
  const ask = useCallback((question: () => Promise<T>) => {
    if (out.current) return;
    out.current = true;
    setBusy(true);
    question()
      .then(
        (answer) => {
          setResult(answer);
          setError(null);
        },
        (e: unknown) => setError((e as Error).message),
      )
      .finally(() => {
        out.current = false;
        setBusy(false);
      });
  }, []);
  return { result, error, busy, ask };
}
