// Each card's share of a model on hardware with several GPUs: llama.cpp splits the layers over the
// cards (its default -ts, by free memory), so each holds its layers' weights and KV cache, and its
// own compute buffer, against its own budget. The report's row has only the sum; estimate splits it.
import { modelRefOf } from './reportRows';
import { useEffect, useId, useState } from 'react';
import type { HostApi } from '../../shared/api';
import type { EstimateResult, Report, ReportRow, WhatIf } from '../../shared/schema';
import { formatBytes } from '../../shared/units';

export function PerGpu({
  host,
  row,
  report,
  whatIf,
}: {
  host: HostApi;
  row: ReportRow;
  report: Report;
  /** The what-if the report was built with, if any, so the estimate sizes the same hardware. */
  whatIf: WhatIf | null;
}): React.JSX.Element {
  const headingId = useId();
  const [result, setResult] = useState<EstimateResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let gone = false;
    const model = modelRefOf({
      origin: row.origin,
      modelId: row.modelId,
      quant: row.quant,
      ...(row.filePath ? { filePath: row.filePath } : {}),
    });
    host
      .estimate({
        ...model,
        contextTokens: row.contextTokens,
        kvType: report.settings.kvType,
        ...(report.profile !== undefined ? { profile: report.profile } : {}),
        ...(whatIf ? { whatIf } : {}),
      })
      .then(
        (answer) => {
          if (gone) return;
          setResult(answer);
          setError(null);
        },
        (e: unknown) => {
          if (!gone) setError((e as Error).message);
        },
      );
    return () => {
      gone = true;
    };
  }, [host, row.origin, row.filePath, row.modelId, row.quant, row.contextTokens, report.settings.kvType, report.profile, whatIf]);

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
