// Follows a run started through the service: a progress bar on a terminal (a line per step
// otherwise), Ctrl+C cancels it at once, and the run's end state comes back.
import type { RunState } from '../shared/schema';
import type { Service } from '../node/service';
import { runEvents, type CliIO } from './command';

export async function followRun(service: Service, io: CliIO, start: () => Promise<RunState>): Promise<RunState> {
  const events = runEvents(service);
  // The bar's library loads only for runs on a terminal.
  const cliProgress = io.isTTY ? (await import('cli-progress')).default : null;
  const bar = cliProgress
    ? new cliProgress.SingleBar(
        { format: ' {bar} {percentage}% | {message}', stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let lastMessage = '';
  let runId: string | null = null;
  events.onProgress(({ run }) => {
    if (runId !== null && run.runId !== runId) return;
    if (bar) bar.update(Math.round(run.progress.fraction * 100), { message: run.progress.message });
    else if (run.progress.message !== lastMessage && run.state === 'running') io.stderr(`${run.progress.message}\n`);
    lastMessage = run.progress.message;
  });
  const onSigint = (): void => {
    if (runId) service.call('cancelRun', { runId }).catch((error: unknown) => io.stderr(`Could not cancel: ${(error as Error).message}\n`));
  };
  process.on('SIGINT', onSigint);
  try {
    bar?.start(100, 0, { message: 'starting' });
    const started = await start();
    runId = started.runId;
    const { run } = await events.next(started.runId);
    if (run.state === 'done') bar?.update(100, { message: 'done' });
    return run;
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
    events.close();
  }
}

/** The words for a run that did not finish, e.g. "benchmark cancelled: ...". */
export function runFailure(run: RunState, what: string): string {
  const label = run.state === 'cancelled' ? 'cancelled' : run.state === 'timeout' ? 'timed out' : 'failed';
  return `${what} ${label}: ${run.error ?? 'no reason given'}`;
}
