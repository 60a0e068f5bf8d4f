// A report for one getReport request: the what-if applied, the asked and discovered GGUF files
// read (one that cannot be read is a problem listed in the report, not a failed request), then the
// core's buildReport. And the stamp of a file, so the report cache reads a changed file again.
import { stat } from 'node:fs/promises';
import type { z } from 'zod';
import type { HostApiSchemas } from '../shared/api';
import type { BenchRecord, HardwareSnapshot, Report, SpeedCalibration } from '../shared/schema';
import { buildReport } from '../core/report';
import { GgufError } from '../core/gguf-types';
import { withWhatIf } from './hardware/index';
import { ModelArgError, modelFromFile } from './models/resolve';
import { loadCatalog } from './resources';
import { asUserError } from './user-error';

/** A file's size and time, so a file written or replaced since is read again; a missing one is a stamp too. */
export const fileStamp = (path: string): Promise<string> =>
  stat(path).then(
    (info) => `${info.size}:${info.mtimeMs}`,
    (error: NodeJS.ErrnoException) => `error:${error.code ?? 'unknown'}`,
  );

export async function buildReportFor(
  request: z.output<typeof HostApiSchemas.getReport.input>,
  detected: { snapshot: HardwareSnapshot; detectMs: number },
  paths: string[],
  cal: SpeedCalibration | null,
  benchRecords: readonly BenchRecord[] = [],
): Promise<Report> {
  const snapshot = await asUserError(() => withWhatIf(detected.snapshot, request.whatIf));
  const files = await Promise.all(
    paths.map(async (path) => {
      try {
        return { model: (await modelFromFile(path)).sizable };
      } catch (error) {
        const known = error instanceof GgufError || error instanceof ModelArgError;
        return { problem: { path, message: known ? (error as Error).message : `Could not read ${path}: ${(error as Error).message}` } };
      }
    }),
  );
  const extra = files.flatMap((f) => ('model' in f && f.model ? [f.model] : []));
  const problems = files.flatMap((f) => ('problem' in f && f.problem ? [f.problem] : []));
  return asUserError(() =>
    buildReport(
      snapshot,
      loadCatalog(),
      {
        contextTokens: request.contextTokens,
        kvType: request.kvType,
        calibration: cal,
        benchRecords,
        ...(request.tensorSplit ? { tensorSplit: request.tensorSplit } : {}),
        ...(request.splitMode !== undefined ? { splitMode: request.splitMode } : {}),
        ...(request.mainGpu !== undefined ? { mainGpu: request.mainGpu } : {}),
        ...(request.nCpuMoe !== undefined ? { nCpuMoe: request.nCpuMoe } : {}),
        ...(request.task !== undefined ? { task: request.task } : {}),
        ...(request.priority !== undefined ? { priority: request.priority } : {}),
        ...(request.minTokPerSec !== undefined ? { minTokPerSec: request.minTokPerSec } : {}),
      },
      { detectMs: detected.detectMs },
      extra,
      problems,
    ),
  );
}
