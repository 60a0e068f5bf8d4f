// The speed probe's result, kept in the cache folder next to node-llama-cpp's answer and keyed by
// the CPU and the node-llama-cpp version (a new build of llama.cpp can be faster or slower). The
// last few probes are kept beside it, and what the report uses pools them (core's poolProbes): each
// probe file's median over them, so one probe slowed by a busy moment does not skew the figures.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpeedCalibrationSchema, type SpeedCalibration } from '../../shared/schema';
import { isPlausibleCalibration, POOLED_PROBES, poolProbes } from '../../core/calibration';
import { hashKey } from '../hardware/cache';
import { nodeLlamaCppVersion } from '../llama/version';

const FILE = 'speed-calibration.json';

function calibrationKey(cpuModel: string): string {
  return hashKey({ cpuModel, nodeLlamaCpp: nodeLlamaCppVersion(), arch: process.arch });
}

interface Stored {
  /** What the report uses: the probes below, pooled (null where what was kept has impossible figures). */
  value: SpeedCalibration | null;
  /** The probes themselves, newest first (older files have none: their value is the one probe). */
  history: SpeedCalibration[];
}

async function readStored(cacheDir: string, cpuModel: string): Promise<Stored | null> {
  try {
    const stored = JSON.parse(await readFile(join(cacheDir, FILE), 'utf8')) as { key?: string; value?: unknown; history?: unknown };
    if (stored.key !== calibrationKey(cpuModel)) return null;
    const parsed = SpeedCalibrationSchema.safeParse(stored.value);
    if (!parsed.success) return null;
    // A probe kept before the plausibility check may hold absurd figures: it counts as none (the probe
    // runs again), and the sound probes beside it still pool with the next one.
    const value = isPlausibleCalibration(parsed.data) ? parsed.data : null;
    const history = (Array.isArray(stored.history) ? stored.history : [])
      .map((h) => SpeedCalibrationSchema.safeParse(h))
      .flatMap((h) => (h.success && isPlausibleCalibration(h.data) ? [h.data] : []));
    return { value, history: history.length || !value ? history : [value] };
  } catch {
    return null;
  }
}

export async function readCalibration(cacheDir: string, cpuModel: string): Promise<SpeedCalibration | null> {
  return (await readStored(cacheDir, cpuModel))?.value ?? null;
}

/**
 * Keeps a new probe for this machine and returns the calibration the report will use: the new one
 * pooled with up to three earlier ones of the same setup, or the new one alone with `fresh` (the
 * user changed something: RAM, power plan, BIOS) or where none is kept.
 */
export async function saveCalibration(
  cacheDir: string,
  cpuModel: string,
  probe: SpeedCalibration,
  options: { fresh?: boolean } = {},
): Promise<SpeedCalibration> {
  const earlier = options.fresh ? [] : ((await readStored(cacheDir, cpuModel))?.history ?? []);
  const history = [probe, ...earlier].slice(0, POOLED_PROBES);
  const value = poolProbes(history);
  await mkdir(cacheDir, { recursive: true });
  const path = join(cacheDir, FILE);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify({ key: calibrationKey(cpuModel), value, history }, null, 2));
  await rename(temp, path);
  return value;
}
