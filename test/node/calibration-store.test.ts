// The calibration kept per machine: each probe is stored with the last few, and what the report
// reads pools them; `fresh` starts over, and a damaged history costs only itself.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { calibrateFromProbe, planProbeFiles, plannedFileFacts } from '../../src/core/calibration';
import { readCalibration, saveCalibration } from '../../src/node/probe/calibration-store';
import type { SpeedCalibration } from '../../src/shared/schema';

const scratch = mkdtempSync(join(tmpdir(), 'rightsize-calstore-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const CPU = 'Test CPU 9000';

/** A probe of a machine that reads every file at `bytesPerSec`, plus 0.2 ms per token. */
function probe(bytesPerSec: number, at: string): SpeedCalibration {
  const measurements = planProbeFiles(0).map((file) => {
    const facts = plannedFileFacts(file);
    const tg = 1 / (2e-4 + facts.readBytesPerToken / bytesPerSec);
    const pp = 1 / (facts.layerReadBytes / bytesPerSec / 4 + 1e-5);
    return { file, facts, tgTokPerSecSamples: [tg], ppTokPerSecSamples: [pp] };
  });
  return {
    model: 2,
    ...calibrateFromProbe(measurements),
    lastLevelCacheBytes: 0,
    threads: { pp: 1, tg: 1 },
    measuredAt: at,
    durationMs: 10_000,
    source: { kind: 'measured', by: 'rightsize probe' },
  };
}

/** A folder with one saved probe, and the file as stored, for a test to rewrite. */
async function storedProbe(prefix: string) {
  const dir = mkdtempSync(join(scratch, prefix));
  const current = probe(30e9, '2026-12-03T00:00:00.000Z');
  await saveCalibration(dir, CPU, current);
  const path = join(dir, 'speed-calibration.json');
  return { dir, current, path, stored: JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> };
}

describe('the calibration store', () => {
  it('pools a new probe with the ones kept for this machine, and starts over when asked', async () => {
    const dir = mkdtempSync(join(scratch, 'pool-'));
    const usual = probe(30e9, '2026-12-01T00:00:00.000Z');
    const slow = probe(15e9, '2026-12-02T00:00:00.000Z');
    expect(await saveCalibration(dir, CPU, usual)).toEqual(usual);
    await saveCalibration(dir, CPU, { ...usual, measuredAt: '2026-12-01T12:00:00.000Z' });
    const pooled = await saveCalibration(dir, CPU, slow);
    expect(pooled.pooledProbes).toBe(3);
    expect(pooled.measuredAt).toBe(slow.measuredAt);
    // One slow probe of three: every file's median is the usual speed.
    expect(pooled.tgMemoryBytesPerSec / usual.tgMemoryBytesPerSec).toBeCloseTo(1, 9);
    expect(await readCalibration(dir, CPU)).toEqual(pooled);
    // Another CPU does not read it.
    expect(await readCalibration(dir, 'Other CPU')).toBeNull();
    const fresh = await saveCalibration(dir, CPU, slow, { fresh: true });
    expect(fresh).toEqual(slow);
    expect(JSON.parse(readFileSync(join(dir, 'speed-calibration.json'), 'utf8')).history).toHaveLength(1);
  });

  it('keeps four probes, and drops a damaged one from the history without losing the rest', async () => {
    const dir = mkdtempSync(join(scratch, 'keep-'));
    for (let day = 1; day <= 6; day++) await saveCalibration(dir, CPU, probe(10e9 + day * 1e9, `2026-12-0${day}T00:00:00.000Z`));
    const path = join(dir, 'speed-calibration.json');
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    expect(stored.history.map((h: SpeedCalibration) => h.measuredAt.slice(8, 10))).toEqual(['06', '05', '04', '03']);
    expect(stored.value.pooledProbes).toBe(4);
    stored.history[1] = { broken: true };
    writeFileSync(path, JSON.stringify(stored));
    const next = await saveCalibration(dir, CPU, probe(12e9, '2026-12-07T00:00:00.000Z'));
    expect(next.pooledProbes).toBe(4);
    // A file of an earlier version, with no history: its value counts as the one probe kept.
    const old = probe(20e9, '2026-11-30T00:00:00.000Z');
    writeFileSync(path, JSON.stringify({ key: stored.key, value: old }));
    expect((await saveCalibration(dir, CPU, probe(12e9, '2026-12-08T00:00:00.000Z'))).pooledProbes).toBe(2);
  });

  it('reads a calibration of another probe model as none (measured again) and does not pool it', async () => {
    const { dir, current, path, stored } = await storedProbe('model-');
    const other = { ...current, model: 3, measuredAt: '2026-12-02T00:00:00.000Z' };
    writeFileSync(path, JSON.stringify({ ...stored, value: other, history: [other] }));
    expect(await readCalibration(dir, CPU)).toBeNull();
    expect((await saveCalibration(dir, CPU, current)).pooledProbes).toBeUndefined();
  });

  it('reads a kept probe with impossible figures (from before the plausibility check) as none, and does not pool it', async () => {
    const { dir, current, path, stored } = await storedProbe('absurd-');
    // What a probe taken while the tests ran stored on this project's VM: Q4_K at 1,000,000 GB/s.
    const absurd = {
      ...current,
      tgBytesPerSecByType: { ...current.tgBytesPerSecByType, Q4_K: 1e15 },
      measuredAt: '2026-12-03T08:35:57.186Z',
    };
    writeFileSync(path, JSON.stringify({ ...stored, value: absurd, history: [absurd, current] }));
    expect(await readCalibration(dir, CPU)).toBeNull();
    // The next probe pools with the sound one only.
    expect((await saveCalibration(dir, CPU, probe(30e9, '2026-12-04T00:00:00.000Z'))).pooledProbes).toBe(2);
  });
});
