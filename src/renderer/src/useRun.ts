// A run (benchmark, probe, measurement) followed through the host's pushed events: no polling.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { HostApi } from '../../shared/api';
import type { RunState } from '../../shared/schema';

export interface RunControl {
  run: RunState | null;
  error: string | null;
  start(begin: () => Promise<RunState>): void;
  cancel(): void;
}

export function useRun(host: HostApi, onEnd?: (run: RunState) => void): RunControl {
  const [run, setRun] = useState<RunState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const runId = useRef<string | null>(null);
  // Events that arrive before the start call answers (a run that fails at once) are kept here.
  const early = useRef(new Map<string, RunState>());
  const onEndRef = useRef(onEnd);
  useEffect(() => {
    onEndRef.current = onEnd;
  }, [onEnd]);

  const accept = useCallback((state: RunState) => {
    setRun(state);
    if (state.state !== 'running') onEndRef.current?.(state);
  }, []);

  useEffect(
    () =>
      host.onEvent((event) => {
        if (event.type !== 'run') return;
        if (event.run.runId === runId.current) accept(event.run);
        else if (runId.current === null) early.current.set(event.run.runId, event.run);
      }),
    [host, accept],
  );

  const start = useCallback(
    (begin: () => Promise<RunState>) => {
      setError(null);
      runId.current = null;
      early.current.clear();
      begin()
        .then((state) => {
          runId.current = state.runId;
          const seen = early.current.get(state.runId);
          early.current.clear();
          accept(seen && seen.state !== 'running' ? seen : state);
        })
        .catch((e: unknown) => setError((e as Error).message));
    },
    [accept],
  );

  const cancel = useCallback(() => {
    const id = runId.current;
    if (!id) return;
    host.cancelRun({ runId: id }).catch((e: unknown) => setError((e as Error).message));
  }, [host]);

  return { run, error, start, cancel };
}
