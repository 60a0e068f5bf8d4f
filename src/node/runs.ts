// Runs: long work in the llama child process (a benchmark, the probe, a measurement) that the
// faces start, follow through pushed events and can cancel. One at a time: two would share the
// cores and both read wrong.
import { randomUUID } from 'node:crypto';
import type { RunKind, RunProgress, RunState } from '../shared/schema';
import { MeasureError } from './llama/measure';

/** What a run's work gets: its cancel signal, and a way to report progress. */
export interface RunContext {
  signal: AbortSignal;
  progress(p: RunProgress): void;
}

/** What a run's work returns: the fields of RunState it fills in (`error` on a done run: a warning). */
export type RunOutcome = Partial<Pick<RunState, 'record' | 'calibration' | 'measurement' | 'error'>>;

/** Progress events at most this often per run; state changes always go out. */
const PROGRESS_EVENT_INTERVAL_MS = 100;

const KIND_WORD: Record<RunKind, string> = { bench: 'benchmark', probe: 'probe', measure: 'measurement' };

export class RunRegistry {
  private runs = new Map<string, { state: RunState; controller: AbortController }>();

  constructor(private readonly emit: (run: RunState) => void) {}

  /** Starts `work` in the background; throws at once (nothing started) if another run is going. */
  start(kind: RunKind, work: (context: RunContext) => Promise<RunOutcome>): RunState {
    const busy = [...this.runs.values()].find((r) => r.state.state === 'running');
    if (busy) {
      throw new Error(
        `A ${KIND_WORD[busy.state.kind]} is already running (${busy.state.progress.message}); wait for it or cancel it first.`,
      );
    }
    const controller = new AbortController();
    const state: RunState = {
      runId: randomUUID(),
      kind,
      state: 'running',
      progress: { phase: 'start', done: 0, total: 1, message: 'starting', fraction: 0 },
      startedAt: new Date().toISOString(),
      record: null,
      calibration: null,
      measurement: null,
      error: null,
    };
    this.runs.set(state.runId, { state, controller });
    let lastEmitMs = 0;
    const context: RunContext = {
      signal: controller.signal,
      progress: (p) => {
        if (state.state !== 'running') return;
        state.progress = p;
        const now = Date.now();
        if (now - lastEmitMs >= PROGRESS_EVENT_INTERVAL_MS) {
          lastEmitMs = now;
          this.emit({ ...state });
        }
      },
    };
    this.emit({ ...state });
    work(context).then(
      (outcome) => {
        Object.assign(state, outcome, { state: 'done', progress: { ...state.progress, fraction: 1, message: 'done' } });
        this.emit({ ...state });
      },
      (error: unknown) => {
        const code = error instanceof MeasureError ? error.code : 'failed';
        state.state = code === 'cancelled' ? 'cancelled' : code === 'timeout' ? 'timeout' : 'failed';
        state.error = (error as Error).message;
        this.emit({ ...state });
      },
    );
    return { ...state };
  }

  get(runId: string): RunState {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`No run ${runId}: it may belong to an earlier session of the app.`);
    return { ...run.state };
  }

  cancel(runId: string): RunState {
    const run = this.runs.get(runId);
    if (!run) throw new Error(`No run ${runId}: it may belong to an earlier session of the app.`);
    if (run.state.state === 'running') run.controller.abort();
    return { ...run.state };
  }

  /** Stops every running child (the host is closing). */
  cancelAll(): void {
    for (const run of this.runs.values()) if (run.state.state === 'running') run.controller.abort();
  }
}
