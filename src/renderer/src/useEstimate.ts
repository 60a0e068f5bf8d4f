// The estimate of a report row on the hardware the report was sized for (its profile or what-if):
// what the drawer's per-card split and context limits read. Fetched once per model, quant and context.
import { useEffect, useState } from 'react';
import type { HostApi } from '../../shared/api';
import type { EstimateResult, Report, ReportRow, WhatIf } from '../../shared/schema';
import { modelRefOf } from './reportRows';

export function useEstimate(
  host: HostApi,
  row: ReportRow,
  report: Report,
  whatIf: WhatIf | null,
): { result: EstimateResult | null; error: string | null } {
  // Each answer is kept with the request it answers, so another row never shows the last one's.
  const key = `${row.origin} ${row.filePath ?? ''} ${row.modelId} ${row.quant} ${row.contextTokens} ${report.settings.kvType} ${report.profile ?? ''} ${JSON.stringify(whatIf)}`;
  const [answer, setAnswer] = useState<{ key: string; result: EstimateResult | null; error: string | null } | null>(null);
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
        (result) => {
          if (!gone) setAnswer({ key, result, error: null });
        },
        (e: unknown) => {
          if (!gone) setAnswer({ key, result: null, error: (e as Error).message });
        },
      );
    return () => {
      gone = true;
    };
  }, [host, key, row.origin, row.filePath, row.modelId, row.quant, row.contextTokens, report.settings.kvType, report.profile, whatIf]);
  return answer?.key === key ? { result: answer.result, error: answer.error } : { result: null, error: null };
}
