// Each card's share of a model on hardware with several GPUs: llama.cpp splits the layers over the
// cards (its default -ts, by free memory), so each holds its layers' weights and KV cache, and its
// own compute buffer, against its own budget. The report's row has only the sum; estimate splits it.
import { useId } from 'react';
import type { EstimateResult, Report } from '../../shared/schema';
import { formatBytes } from '../../shared/units';

export function PerGpu({
  report,
  estimate: { result, error },
}: {
  report: Report;
  /** The row's estimate on the report's hardware (useEstimate): it splits the layers per card. */
  estimate: { result: EstimateResult | null; error: string | null };
}): React.JSX.Element {
  const headingId = useId();
  const cards = result?.gpus ?? [];
  return (
    <section className="per-gpu" aria-labelledby={headingId} data-testid="per-gpu">
      <h3 id={headingId}>Per card ({report.hardware.gpus.length} GPUs)</h3>
      {error && (
        <p role="alert" className="warn">
          {error}
        </p>
      )}
      {!result && !error && (
        <p className="muted" role="status">
          Splitting the layers…
        </p>
      )}
      {result && cards.length === 0 && <p className="muted">No layers on the GPUs at this fit: nothing to split.</p>}
      {cards.length > 0 && (
        <table className="per-gpu-table">
          <thead>
            <tr>
              <th scope="col">GPU</th>
              <th scope="col">Weights</th>
              <th scope="col">KV</th>
              <th scope="col">Compute</th>
              <th scope="col">Overhead</th>
              <th scope="col">Total / budget</th>
            </tr>
          </thead>
          <tbody>
            {cards.map((card, i) => {
              const over = card.totalBytes > card.budgetBytes;
              return (
                <tr key={`${card.name}-${i}`} data-testid="per-gpu-card">
                  <th scope="row">
                    {i}: {card.name}
                  </th>
                  <td>{formatBytes(card.weightsBytes)}</td>
                  <td>{formatBytes(card.kvBytes)}</td>
                  <td>{formatBytes(card.computeBytes)}</td>
                  <td>{formatBytes(card.overheadBytes)}</td>
                  <td className={over ? 'warn' : undefined}>
                    {formatBytes(card.totalBytes)} / {formatBytes(card.budgetBytes)}
                    {over && ' (over)'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
