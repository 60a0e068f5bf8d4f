import { useEffect } from 'react';
import type { Report, ReportRow } from '../../shared/schema';
import { formatBytes, formatTokPerSec } from '../../shared/units';
import { describeSource } from './format';

export function Details({ row, report, onClose }: { row: ReportRow; report: Report; onClose: () => void }): React.JSX.Element {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const m = row.memory;
  const parts = [
    ['Weights', m.weightsBytes, 'w'],
    ['KV cache', m.kvBytes, 'kv'],
    ['Compute buffers', m.computeBytes, 'c'],
    ['Overhead', m.overheadBytes, 'o'],
  ] as const;
  return (
    <aside className="details card" data-testid="details" aria-label={`${row.name} ${row.quant} details`}>
      <button type="button" className="close" onClick={onClose} aria-label="Close details">
        ×
      </button>
      <h2>
        {row.name} <span className="quant">{row.quant}</span>
      </h2>
      <p className={`fit-banner fit-${row.fit}`}>
        {row.fit === 'gpu' && 'Fully on the GPU'}
        {row.fit === 'partial' && `${row.gpuLayers} of ${row.totalLayers} layers on the GPU`}
        {row.fit === 'cpu' && 'CPU only'}
        {row.fit === 'none' && 'Too large for this machine'}
        {row.tokPerSec !== null && ` · ~${formatTokPerSec(row.tokPerSec)} tok/s`}
      </p>
      <p>{row.why}</p>
      <div className="bar" aria-hidden="true">
        {parts.map(([label, bytes, cls]) => (
          <span key={label} className={`seg seg-${cls}`} style={{ width: `${(100 * bytes) / Math.max(1, m.totalBytes)}%` }} title={`${label} ${formatBytes(bytes)}`} />
        ))}
      </div>
      <table className="breakdown">
        <tbody>
          {parts.map(([label, bytes, cls]) => (
            <tr key={label}>
              <th scope="row">
                <span className={`dot seg-${cls}`} /> {label}
              </th>
              <td>{formatBytes(bytes, 2)}</td>
            </tr>
          ))}
          <tr className="total">
            <th scope="row">Total</th>
            <td>{formatBytes(m.totalBytes, 2)}</td>
          </tr>
          <tr>
            <th scope="row">on the GPU / in RAM</th>
            <td>
              {formatBytes(m.gpuBytes, 2)} / {formatBytes(m.cpuBytes, 2)}
            </td>
          </tr>
          <tr>
            <th scope="row">RAM peak while loading</th>
            <td>{formatBytes(m.peakLoadBytes, 2)}</td>
          </tr>
          {row.promptTokPerSec !== null && (
            <tr>
              <th scope="row">Prompt processing</th>
              <td data-testid="prompt-speed">
                ~{formatTokPerSec(row.promptTokPerSec)} tok/s; a 512-token prompt takes ~{(512 / row.promptTokPerSec).toFixed(1)} s before the first token
              </td>
            </tr>
          )}
          <tr>
            <th scope="row">Context</th>
            <td>
              {row.contextTokens} tokens, {report.settings.kvType} KV
            </td>
          </tr>
          <tr>
            <th scope="row">Parameters</th>
            <td>
              {row.paramsB}B{row.activeParamsB < row.paramsB * 0.9 ? ` (${row.activeParamsB.toFixed(1)}B active per token)` : ''}
            </td>
          </tr>
        </tbody>
      </table>
      <h3>Where these figures come from</h3>
      <p className="src-detail">
        <strong>Memory</strong> {describeSource(row.memorySource)}
      </p>
      <p className="src-detail">
        <strong>Speed</strong> {describeSource(row.speedSource)}
      </p>
      {row.promptSource && (
        <p className="src-detail">
          <strong>Prompt</strong> {describeSource(row.promptSource)}
        </p>
      )}
      <p className="src-detail">
        <strong>Budget</strong> {report.budget.explanation}
      </p>
    </aside>
  );
}
