// A report for one getReport request: the what-if applied, the asked and discovered GGUF files
// read (one that cannot be read is a problem listed in the report, not a failed request), then the
// core's buildReport. And the stamp of a file, so the report cache reads a changed file again.
import { stat } from 'node:fs/promises';
import type { z } from 'zod';
import type { HostApiSchemas } from '../shared/api';
import type { BenchRecord, HardwareSnapshot, Report, SpeedCalibration } from '../shared/schema';
import { buildReport, type SizableModel } from '../core/report';
import { GgufError } from '../core/gguf-types';
import { withWhatIf } from './hardware/index';
import { isRemoteRef, ModelArgError, modelFromFile, modelsFromHf, resolveModelArg, type RemoteModelOptions } from './models/resolve';
import { parseHfRef } from './remote/hf';
import { loadCatalog } from './resources';
import { ggufFetchFor } from './gguf-fetch';
import { asUserError } from './user-error';

/** A file's size and time, so a file written or replaced since is read again; a missing one is a stamp too. */
export const fileStamp = (path: string): Promise<string> =>
  // A remote file's freshness is its ETag, checked when it is read (src/node/remote/cache.ts).
  isRemoteRef(path)
    ? Promise.resolve('remote')
    : stat(path).then(
        (info) => `${info.size}:${info.mtimeMs}`,
        (error: NodeJS.ErrnoException) => `error:${error.code ?? 'unknown'}`,
      );

type Sized = { models: SizableModel[]; problems: Array<{ path: string; message: string }> };

/**
 * The probe's calibration where the sized machine has the CPU it measured: a what-if of other GPUs keeps it,
 * a whole machine preset (an office laptop, a Mac) names a CPU of its own and is estimated uncalibrated.
 */
export const calibrationFor = (
  sized: HardwareSnapshot,
  measured: HardwareSnapshot,
  cal: SpeedCalibration | null,
): SpeedCalibration | null => (sized.cpu.model === measured.cpu.model ? cal : null);

/**
 * One entry of the report's files: a local path, a GGUF URL, or a Hugging Face reference. A
 * repository without a quant gives a row per quant, and a quant that cannot be read is a problem
 * next to the others' rows.
 */
async function sizeFileRef(path: string, remote: RemoteModelOptions): Promise<Sized> {
  try {
    if (!isRemoteRef(path)) return { models: [(await modelFromFile(path)).sizable], problems: [] };
    const hf = /^https?:/i.test(path.trim()) ? null : parseHfRef(path);
    if (hf && !hf.quant) {
      const { models, failed } = await modelsFromHf(hf, undefined, remote);
      return {
        models: models.map((m) => m.sizable),
        problems: failed.map((f) => ({ path: `${path}:${f.quant}`, message: f.message })),
      };
    }
    return { models: [(await resolveModelArg(path, undefined, remote)).sizable], problems: [] };
  } catch (error) {
    const known = error instanceof GgufError || error instanceof ModelArgError;
    return {
      models: [],
      problems: [{ path, message: known ? (error as Error).message : `Could not read ${path}: ${(error as Error).message}` }],
    };
  }
}

export async function buildReportFor(
  request: z.output<typeof HostApiSchemas.getReport.input>,
  detected: { snapshot: HardwareSnapshot; detectMs: number },
  paths: string[],
  cal: SpeedCalibration | null,
  benchRecords: readonly BenchRecord[] = [],
  remote: RemoteModelOptions = {},
): Promise<Report> {
  const snapshot = await asUserError(() => withWhatIf(detected.snapshot, request.whatIf));
  const files = await Promise.all(paths.map((path) => sizeFileRef(path, remote)));
  const extra = files.flatMap((f) => f.models);
  const problems = files.flatMap((f) => f.problems);
  const report = await asUserError(() =>
    buildReport(
      snapshot,
      loadCatalog(),
      {
        contextTokens: request.contextTokens,
        kvType: request.kvType,
        calibration: calibrationFor(snapshot, detected.snapshot, cal),
        benchRecords,
        ...(request.tensorSplit ? { tensorSplit: request.tensorSplit } : {}),
        ...(request.splitMode !== undefined ? { splitMode: request.splitMode } : {}),
        ...(request.mainGpu !== undefined ? { mainGpu: request.mainGpu } : {}),
        ...(request.nCpuMoe !== undefined ? { nCpuMoe: request.nCpuMoe } : {}),
        ...(request.task !== undefined ? { task: request.task } : {}),
        ...(request.benchmark !== undefined ? { benchmark: request.benchmark } : {}),
        ...(request.priority !== undefined ? { priority: request.priority } : {}),
        ...(request.minTokPerSec !== undefined ? { minTokPerSec: request.minTokPerSec } : {}),
      },
      { detectMs: detected.detectMs },
      extra,
      problems,
    ),
  );
  return withFetches(report);
}

/** Each rung of the ladder with where its file can be fetched by name, where rightsize knows a repository. */
function withFetches(report: Report): Report {
  const recommendation = { ...report.recommendation };
  for (const key of ['start', 'scaleUp', 'ceiling'] as const) {
    const step = recommendation[key];
    if (!step) continue;
    const row = report.rows.find((r) => r.modelId === step.modelId && r.quant === step.quant);
    const fetch = row ? ggufFetchFor(step.modelId, step.quant, row.memory.weightsBytes) : null;
    if (fetch) recommendation[key] = { ...step, fetch: { hf: fetch.hf, ollama: fetch.ollama } };
  }
  return { ...report, recommendation };
}
