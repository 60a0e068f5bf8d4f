// compareProfiles: one report per machine through the service's getReport, so each is the report
// `--profile` shows (and shares its cache), then the core's side-by-side comparison.
import type { z } from 'zod';
import type { HostApiOutput, HostApiSchemas } from '../shared/api';
import { isThisMachine, type CompareResult } from '../shared/schema';
import { compareMachines } from '../core/compare';
import { loadCatalog } from './resources';
import { asUserError } from './user-error';

type GetReport = (request: z.output<typeof HostApiSchemas.getReport.input>) => Promise<HostApiOutput<'getReport'>>;

export async function compareProfiles(
  request: z.output<typeof HostApiSchemas.compareProfiles.input>,
  getReport: GetReport,
): Promise<CompareResult> {
  const machines = await Promise.all(
    request.profiles.map(async (name) => {
      const profile = isThisMachine(name) ? undefined : name;
      const report = await getReport({
        contextTokens: request.contextTokens,
        kvType: request.kvType,
        files: [],
        includeDiscovered: false,
        ...(profile !== undefined ? { profile } : {}),
        ...(request.task !== undefined ? { task: request.task } : {}),
        ...(request.benchmark !== undefined ? { benchmark: request.benchmark } : {}),
        ...(request.priority !== undefined ? { priority: request.priority } : {}),
        ...(request.minTokPerSec !== undefined ? { minTokPerSec: request.minTokPerSec } : {}),
      });
      return { name: report.profile ?? 'This machine', profile: report.profile ?? null, report };
    }),
  );
  return asUserError(() => compareMachines(machines, loadCatalog()));
}
