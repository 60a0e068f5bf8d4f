// The profile methods of HostApi, and what a report or an estimate sizes against when it names a
// profile. The service composes these; a page or the CLI never gives a path, only a name or content.
import type { z } from 'zod';
import type { HostApiOutput, HostApiSchemas } from '../../shared/api';
import {
  importShapeProblem,
  MAX_PROFILE_BENCH_RECORDS,
  MAX_PROFILE_IMPORT_CHARS,
  PROFILE_STORE_VERSION,
  ProfileExportSchema,
  type BenchRecord,
  type HardwareSnapshot,
  type Profile,
  type ProfileSummary,
  type SpeedCalibration,
  type WhatIf,
} from '../../shared/schema';
import { clip, UserFacingError } from '../user-error';
import type { ProfileStore } from './store';
import { withCatalogueUpdates } from '../hardware/merge/presets';
import { plannedCpuOfItsOwn } from '../hardware/what-if';
import { loadGpuPresets, loadMachinePresets } from '../resources';

type ProfileMethod = 'listProfiles' | 'getProfile' | 'saveProfile' | 'renameProfile' | 'deleteProfile' | 'exportProfile' | 'importProfile';
type ProfileMethods = {
  [M in ProfileMethod]: (input: z.output<(typeof HostApiSchemas)[M]['input']>) => Promise<HostApiOutput<M>>;
};

export interface ProfileDeps {
  store(): Promise<ProfileStore>;
  detected(): Promise<HardwareSnapshot>;
  /** This machine's calibration from the quick probe, or null. */
  calibration(): Promise<SpeedCalibration | null>;
  /** This machine's benchmark history (empty when it cannot be read). */
  benchRecords(): Promise<BenchRecord[]>;
  /** What-if hardware built the way `report --vram/--ram/--gpu` builds it. */
  applyWhatIf(snapshot: HardwareSnapshot, whatIf: WhatIf): HardwareSnapshot;
  now?: () => Date;
}

/** What a report or estimate sizes against: the same objects while the profile is unchanged, so cached reports still match. */
export interface ProfileSizing {
  /** The profile's name as saved (a request may name it in another case). */
  name: string;
  snapshot: HardwareSnapshot;
  calibration: SpeedCalibration | null;
  /** The profile's benchmark runs: they correct its speeds as this machine's history does. */
  benchRecords: BenchRecord[];
}

function summarize(profile: Profile): ProfileSummary {
  return {
    name: profile.name,
    origin: profile.origin,
    gpus: profile.hardware.gpus.map((g) => ({ name: g.name, vramBytes: g.vramBytes, backend: g.backend })),
    ramBytes: profile.hardware.ram.totalBytes,
    cpu: profile.hardware.cpu.model,
    calibrated: profile.calibration !== null,
    benchRecords: profile.benchRecords.length,
    updatedAt: profile.updatedAt,
  };
}

const badImport = (why: string): UserFacingError =>
  new UserFacingError(`This is not a profile rightsize can import: ${why}. Nothing was changed.`, 'bad-import');

/** A document from a file or a page, checked for shape and size before zod reads it. */
function parseImport(document: string | Record<string, unknown>): z.output<typeof ProfileExportSchema> {
  let data: unknown = document;
  if (typeof document === 'string') {
    if (document.length > MAX_PROFILE_IMPORT_CHARS) throw badImport(`it is larger than ${MAX_PROFILE_IMPORT_CHARS / 1024} KiB`);
    try {
      data = JSON.parse(document);
    } catch (error) {
      throw badImport(`it is not JSON (${clip((error as Error).message)})`);
    }
  }
  const problem = importShapeProblem(data);
  if (problem) throw badImport(problem);
  const record = data as { format?: unknown; version?: unknown };
  if (typeof data !== 'object' || data === null || Array.isArray(data) || record.format !== 'rightsize-profile')
    throw badImport('it has no "format": "rightsize-profile" (export one with `rightsize profiles export NAME FILE`)');
  if (typeof record.version === 'number' && record.version > PROFILE_STORE_VERSION)
    throw badImport(`it was exported by a newer rightsize (version ${record.version}); update rightsize`);
  const parsed = ProfileExportSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => clip(`${i.path.join('.') || 'document'}: ${i.message}`));
    throw badImport(issues.join('; '));
  }
  return parsed.data;
}

export function createProfileMethods(deps: ProfileDeps): { methods: ProfileMethods; sizing(name: string): Promise<ProfileSizing> } {
  const now = (): string => (deps.now?.() ?? new Date()).toISOString();
  const sizings = new Map<string, ProfileSizing & { stamp: string }>();

  const methods: ProfileMethods = {
    async listProfiles() {
      const { profiles, problem } = (await deps.store()).list();
      return { profiles: profiles.map(summarize), problem };
    },

    async getProfile({ name }) {
      return (await deps.store()).get(name);
    },

    async saveProfile({ name, from, overwrite }) {
      const store = await deps.store();
      const detected = await deps.detected();
      const at = now();
      const base = { name, createdAt: at, updatedAt: at };
      if (from === 'detected') {
        const [calibration, records] = await Promise.all([deps.calibration(), deps.benchRecords()]);
        const own = records.filter((r) => r.hardware.cpu === detected.cpu.model).slice(-MAX_PROFILE_BENCH_RECORDS);
        return store.save({ ...base, origin: 'detected', hardware: detected, calibration, benchRecords: own }, overwrite);
      }
      // Other GPUs or RAM keep this machine's CPU, so its calibration still applies; a whole machine preset names a
      // CPU of its own, which this machine's probe did not measure. The benchmarks measured other hardware.
      const hardware = deps.applyWhatIf(detected, from.whatIf);
      const calibration = plannedCpuOfItsOwn(hardware) ? null : await deps.calibration();
      return store.save({ ...base, origin: 'what-if', hardware, calibration, benchRecords: [] }, overwrite);
    },

    async renameProfile({ from, to }) {
      return (await deps.store()).rename(from, to);
    },

    async deleteProfile({ name }) {
      const store = await deps.store();
      const { name: deleted } = store.get(name);
      store.remove(deleted);
      return { deleted };
    },

    async exportProfile({ name }) {
      return { format: 'rightsize-profile', version: PROFILE_STORE_VERSION, profile: (await deps.store()).get(name) };
    },

    async importProfile({ document, name, overwrite }) {
      const { profile } = parseImport(document);
      const store = await deps.store();
      return store.save({ ...profile, name: name ?? profile.name, origin: 'imported', updatedAt: now() }, overwrite);
    },
  };

  return {
    methods,
    async sizing(name) {
      const profile = (await deps.store()).get(name);
      const stamp = JSON.stringify([profile.hardware, profile.calibration, profile.benchRecords.map((r) => r.id)]);
      const known = sizings.get(profile.name);
      if (known?.stamp === stamp) return known;
      const snapshot = withCatalogueUpdates(profile.hardware, loadGpuPresets(), loadMachinePresets());
      const sizing = {
        name: profile.name,
        snapshot,
        // A planned machine's own CPU saved with this machine's probe (before that was left out, or imported so).
        calibration: plannedCpuOfItsOwn(snapshot) ? null : profile.calibration,
        benchRecords: profile.benchRecords,
        stamp,
      };
      sizings.set(profile.name, sizing);
      return sizing;
    },
  };
}
