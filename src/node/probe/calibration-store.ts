// The speed probe's result, kept in the cache folder next to node-llama-cpp's answer and keyed by
// the CPU and the node-llama-cpp version (a new build of llama.cpp can be faster or slower).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpeedCalibrationSchema, type SpeedCalibration } from '../../shared/schema';
import { hashKey } from '../hardware/cache';
import { nodeLlamaCppVersion } from '../llama/version';

const FILE = 'speed-calibration.json';

function calibrationKey(cpuModel: string): string {
  return hashKey({ cpuModel, nodeLlamaCpp: nodeLlamaCppVersion(), arch: process.arch });
}

export async function readCalibration(cacheDir: string, cpuModel: string): Promise<SpeedCalibration | null> {
  try {
    const stored = JSON.parse(await readFile(join(cacheDir, FILE), 'utf8')) as { key?: string; value?: unknown };
    if (stored.key !== calibrationKey(cpuModel)) return null;
    const parsed = SpeedCalibrationSchema.safeParse(stored.value);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function saveCalibration(cacheDir: string, cpuModel: string, value: SpeedCalibration): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const path = join(cacheDir, FILE);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify({ key: calibrationKey(cpuModel), value }, null, 2));
  await rename(temp, path);
}
