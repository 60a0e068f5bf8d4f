// A run (benchmark, probe, measurement) followed through the host's pushed events: no polling.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { HostApi } from '../../shared/api';
import type { RunKind, RunState } from '../../shared/schema';

export interface RunControl {
  run: RunState | null;
  /** The run was started elsewhere (the host's own probe on a first launch, another page), not by start(). */
  followed: boolean;
  error: string | null;
  start(begin: () => Promise<RunState>): void;
  cancel(): void;
}

export interface UseRunOptions {
  /** Also follow runs of this kind that this page did not start (the probe the host starts by itself). */
  follow?: RunKind;
}

export function useRun(host: HostApi, onEnd?: (run: RunState) => void, options: UseRunOptions = {}): RunControl {
  const [run, setRun] = useState<RunState | null>(null);
  const [followed, setFollowed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const runId = useRef<string | null>(null);
  // Between start() and its answer, a new run's events are this page's own, not one to follow.
  const starting = useRef(false);
  // Events that arrive before the start call answers (a run that fails at once) are kept here.
  const early = useRef(new Map<string, RunState>());
  const onEndRef = useRef(onEnd);
  useEffect(() => {
    onEndRef.current = onEnd;
  }, [onEnd]);
  const follow = options.follow;

  const accept = useCallback((state: RunState) => {
    setRun(state);
    if (state.state !== 'running') onEndRef.current?.(state);
  }, []);

  useEffect(
    () =>
      host.onEvent((event) => {
        if (event.type !== 'run') return;
        if (event.run.runId === runId.current) accept(event.run);
        else if (follow !== undefined && event.run.kind === follow && !starting.current) {
          // The host runs one at a time, so a new run of this kind means the one followed before has ended.
          runId.current = event.run.runId;
          setFollowed(true);
          accept(event.run);
        } else if (runId.current === null) early.current.set(event.run.runId, event.run);
      }),
    [host, accept, follow],
  );

  const start = useCallback(
    (begin: () => Promise<RunState>) => {
      setError(null);
      runId.current = null;
      starting.current = true;
      early.current.clear();
      begin()
        .then((state) => {
          runId.current = state.runId;
          setFollowed(false);
          const seen = early.current.get(state.runId);
          early.current.clear();
          accept(seen && seen.state !== 'running' ? seen : state);
        })
        .catch((e: unknown) => setError((e as Error).message))
        .finally(() => {
          starting.current = false;
        });
    },
    [accept],
  );

  const cancel = useCallback(() => {
    const id = runId.current;
    if (!id) return;
    host.cancelRun({ runId: id }).catch((e: unknown) => setError((e as Error).message));
  }, [host]);

  return { run, followed, error, start, cancel };
}
