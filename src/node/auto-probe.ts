// The quick probe, started by the host itself on a first launch: a machine with no calibration
// stored for its CPU gets one in the background (about ten seconds), so the report turns from
// estimated to calibrated without the user finding the Calibrate button. Long-lived faces only (the
// app, web mode); the CLI says the speeds are uncalibrated and runs the probe when asked. It is an
// ordinary run: progress is pushed as events, and the user can cancel it, after which this session
// never starts it again.
import type { RunState, SpeedCalibration } from '../shared/schema';

export interface AutoProbeDeps {
  /** Whether this face wants it at all (ServiceOptions.autoProbe, less RIGHTSIZE_NO_AUTO_PROBE). */
  enabled: boolean;
  /** This machine's CPU, which a stored calibration is kept for. */
  cpuModel: () => Promise<string>;
  /** The calibration stored for this machine, if any. */
  calibration: () => Promise<SpeedCalibration | null>;
  /** Starts the probe as a run (throws when another run is going). */
  startProbe: () => Promise<RunState>;
}

export interface AutoProbe {
  /** Starts the probe in the background if this machine needs one; never waits for it, never throws. */
  maybeStart(): void;
  /** Every run event the service emits: after a cancelled probe none is started again. */
  onRun(run: RunState): void;
  /** The run the host started, if any (tests, diagnostics). */
  readonly runId: string | null;
}

/** RIGHTSIZE_NO_AUTO_PROBE=1 turns it off in any face (tests, scripted use of web mode). */
export function autoProbeEnabled(requested: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return requested === true && !['1', 'true', 'yes'].includes((env.RIGHTSIZE_NO_AUTO_PROBE ?? '').toLowerCase());
}

export function createAutoProbe(deps: AutoProbeDeps): AutoProbe {
  /** CPUs this session already probed (or tried to): a failed probe is not retried in a loop. */
  const tried = new Set<string>();
  let checking: Promise<void> | null = null;
  let cancelled = false;
  let runId: string | null = null;

  const check = async (): Promise<void> => {
    const cpu = await deps.cpuModel();
    if (tried.has(cpu) || (await deps.calibration())) return;
    // Busy (the user started a benchmark first): nothing is marked, so the next report tries again.
    // Any other failure to start (node-llama-cpp unusable, no scratch space) marks the CPU as tried:
    // the report says the speeds are uncalibrated and Calibrate shows the error, not a retry per report.
    try {
      const run = await deps.startProbe();
      runId = run.runId;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'busy') return;
      tried.add(cpu);
      throw error;
    }
    tried.add(cpu);
  };

  return {
    maybeStart() {
      if (!deps.enabled || cancelled || checking) return;
      checking = check()
        .catch(() => undefined)
        .finally(() => {
          checking = null;
        });
    },
    onRun(run) {
      // Any probe the user cancelled, the host's or one they started: either way they said not now.
      if (run.kind === 'probe' && run.state === 'cancelled') cancelled = true;
    },
    get runId() {
      return runId;
    },
  };
}
