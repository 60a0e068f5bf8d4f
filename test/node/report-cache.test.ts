// The service keeps built reports for requests asked again (every open page asks for the same
// one). A kept report must never outlive what it was built from: a new calibration after a probe,
// a refreshed hardware snapshot, a new model list, a file written since. Each is checked here.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/node/service';
import type { HardwareSnapshot, ModelList } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeCalibration, makeSnapshot, rtx4090 } from '../helpers/hardware';

const TINY_MODEL = join(import.meta.dirname, '../../../shared/models/stories260K.gguf');
const scratch = mkdtempSync(join(tmpdir(), 'rightsize-report-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const probedCalibration = makeCalibration();

/** A service on fake detection, discovery and probe, with hooks to change each under it. */
function makeService() {
  let snapshot = makeSnapshot({ ramBytes: 32 * GiB });
  let models: ModelList = { models: [], searched: [] };
  let pushRefreshed: ((snapshot: HardwareSnapshot) => void) | null = null;
  const cacheDir = mkdtempSync(join(scratch, 'cache-'));
  const service = createService({
    face: 'web',
    cacheDir,
    dataDir: mkdtempSync(join(scratch, 'data-')),
    env: {},
    detect: async ({ onRefreshed }) => {
      pushRefreshed = onRefreshed;
      return snapshot;
    },
    discover: async () => models,
    probe: async () => probedCalibration,
  });
  return {
    service,
    setSnapshot: (next: HardwareSnapshot) => (snapshot = next),
    setModels: (next: ModelList) => (models = next),
    refreshed: (next: HardwareSnapshot) => pushRefreshed!(next),
  };
}

describe('the report cache', () => {
  it('serves the same request from one build, and a different one from its own', async () => {
    const { service } = makeService();
    const [first, concurrent] = await Promise.all([
      service.call('getReport', {}),
      service.call('getReport', { kvType: 'f16', contextTokens: 8192 }),
    ]);
    expect(concurrent.generatedAt).toBe(first.generatedAt);
    const again = await service.call('getReport', {});
    expect(again.generatedAt).toBe(first.generatedAt);
    const longer = await service.call('getReport', { contextTokens: 32768 });
    expect(longer.settings.contextTokens).toBe(32768);
    const whatIf = await service.call('getReport', { whatIf: { vramBytes: 24 * GiB } });
    expect(whatIf.hardware.whatIf).toBe(true);
    expect((await service.call('getReport', {})).hardware.whatIf).toBe(false);
  });

  it('uses a new calibration as soon as a probe saved it', async () => {
    const { service } = makeService();
    expect((await service.call('getReport', {})).calibration).toBeNull();
    const run = await service.call('startProbe', {});
    await expect.poll(async () => (await service.call('getRun', { runId: run.runId })).state).toBe('done');
    expect((await service.call('getReport', {})).calibration).toEqual(probedCalibration);
  });

  it('uses a refreshed hardware snapshot (node-llama-cpp answering later, or a refresh asked for)', async () => {
    const { service, refreshed, setSnapshot } = makeService();
    expect((await service.call('getReport', {})).hardware.gpus).toEqual([]);
    refreshed(makeSnapshot({ ramBytes: 32 * GiB, gpus: [rtx4090()] }));
    expect((await service.call('getReport', {})).hardware.gpus.map((g) => g.name)).toEqual([rtx4090().name]);
    setSnapshot(makeSnapshot({ ramBytes: 64 * GiB }));
    await service.call('getHardware', { refresh: true });
    expect((await service.call('getReport', {})).hardware.ram.totalBytes).toBe(64 * GiB);
  });

  it('sizes models found by a new discovery, and a file written after the last report', async () => {
    const { service, setModels } = makeService();
    const path = join(scratch, 'later.gguf');
    const before = await service.call('getReport', { files: [path] });
    expect(before.fileProblems.map((p) => p.path)).toEqual([path]);
    copyFileSync(TINY_MODEL, path);
    const after = await service.call('getReport', { files: [path] });
    expect(after.fileProblems).toEqual([]);
    expect(after.rows.some((row) => row.filePath === path)).toBe(true);

    const found = join(scratch, 'found.gguf');
    copyFileSync(TINY_MODEL, found);
    expect((await service.call('getReport', {})).rows.some((row) => row.filePath === found)).toBe(false);
    setModels({
      models: [{ path: found, displayName: 'found', source: 'folder', bytes: 1, modifiedAt: '2026-12-02T08:00:00.000Z' }],
      searched: [],
    });
    await service.call('listModels', { refresh: true });
    expect((await service.call('getReport', {})).rows.some((row) => row.filePath === found)).toBe(true);
  });

  it('does not keep a failed build: the same request fails again with the same advice', async () => {
    const { service } = makeService();
    const beyond = { contextTokens: 999_999_999 };
    const first = await service.call('getReport', beyond).catch((error: Error) => error.message);
    expect(first).toMatch(/maximum/);
    expect(await service.call('getReport', beyond).catch((error: Error) => error.message)).toBe(first);
    expect((await service.call('getReport', {})).settings.contextTokens).toBe(8192);
  });
});
