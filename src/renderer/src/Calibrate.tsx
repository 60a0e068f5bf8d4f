import type { HostApi } from '../../shared/api';
import type { SpeedCalibration } from '../../shared/schema';
import { useRun } from './useRun';

/**
 * The quick probe: about ten seconds that calibrate every CPU speed estimate to this machine. On a
 * first launch the host starts it by itself; it shows here the same way, with its Cancel.
 */
export function Calibrate({
  host,
  calibration,
  onDone,
  whatIf = false,
}: {
  host: HostApi;
  calibration: SpeedCalibration | null;
  onDone: () => void;
  /** The report sizes a planned machine: one with a CPU of its own is never calibrated by this machine's probe. */
  whatIf?: boolean;
}): React.JSX.Element {
  const { run, followed, error, start, cancel } = useRun(
    host,
    (ended) => {
      if (ended.state === 'done') onDone();
    },
    { follow: 'probe' },
  );
  const running = run?.state === 'running';
  return (
    <div className="calibrate" data-testid="calibrate" data-state={run?.state ?? 'idle'}>
      {calibration ? (
        <span className="muted" title={calibration.source.detail}>
          Speeds calibrated {new Date(calibration.measuredAt).toLocaleString()} (
          {Object.entries(calibration.tgBytesPerSecByType)
            .map(([t, b]) => `${t} ${(b / 1e9).toFixed(0)} GB/s`)
            .join(', ')}
          )
          {(calibration.pooledProbes ?? 1) > 1 && (
            <span data-testid="calibrate-pooled">, the median of {calibration.pooledProbes} probes</span>
          )}
        </span>
      ) : (
        <span className="muted" data-testid="calibrate-none">
          {whatIf
            ? "CPU speeds are estimated from bandwidth: the probe calibrates this machine's own CPU only."
            : 'Speeds are uncalibrated estimates.'}
        </span>
      )}{' '}
      {running ? (
        <>
          {followed && <span data-testid="calibrate-auto">Calibrating this machine in the background: </span>}
          <progress max={1} value={run.progress.fraction} aria-label="Calibration progress" />{' '}
          <span className="muted">{run.progress.message}</span>{' '}
          <button type="button" data-testid="calibrate-cancel" onClick={cancel}>
            Cancel
          </button>
        </>
      ) : (
        <button
          type="button"
          data-testid="calibrate-run"
          title={calibration ? "Another probe, pooled with this machine's last ones: each file's median counts." : undefined}
          onClick={() => start(() => host.startProbe({}))}
        >
          {calibration ? 'Calibrate again' : 'Calibrate (about 10 s)'}
        </button>
      )}
      {run && run.state !== 'running' && run.state !== 'done' && (
        <span className="warn">
          {' '}
          {run.state}: {run.error}
        </span>
      )}
      {error && <span className="warn"> {error}</span>}
    </div>
  );
}
