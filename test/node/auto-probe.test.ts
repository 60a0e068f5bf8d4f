// On a first launch the app and web mode calibrate by themselves: with no calibration stored for
// this CPU, the first report starts the quick probe as an ordinary run (progress as events,
// cancellable), and the reports after it lands are calibrated. The CLI never does; a user's cancel
// is final for the session.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autoProbeEnabled, createAutoProbe } from '../../src/node/auto-probe';
import { UserFacingError } from '../../src/node/user-error';
import { MeasureError } from '../../src/node/llama/measure';
import { saveCalibration } from '../../src/node/probe/calibration-store';
import { createService, type ServiceOptions } from '../../src/node/service';
import type { HostEvent } from '../../src/shared/api';
import type { RunProgress, RunState, SpeedCalibration } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeCalibration, makeSnapshot } from '../helpers/hardware';

const scratch = mkdtempSync(join(tmpdir(), 'rightsize-auto-probe-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const snapshot = makeSnapshot({ ramBytes: 32 * GiB });
const measured = makeCalibration({ measuredAt: '2026-12-02T10:00:00.000Z' });

/** A probe that reports progress, then waits to be finished (or cancelled) by the test. */
function fakeProbe() {
  let finish: (() => void) | null = null;
  let calls = 0;
  const probe = (options: { signal?: AbortSignal; onProgress?: (p: RunProgress) => void } = {}): Promise<SpeedCalibration> => {
    calls++;
    options.onProgress?.({ phase: 'probe', done: 0.5, total: 1, message: 'timing Q4_K generation', fraction: 0.5 });
    return new Promise((resolve, reject) => {
      finish = () => resolve(measured);
      options.signal?.addEventListener('abort', () => reject(new MeasureError('cancelled by the user', 'cancelled')));
    });
  };
  return { probe, finish: () => finish?.(), calls: () => calls };
}

function makeService(extra: Partial<ServiceOptions> = {}) {
  const fake = fakeProbe();
  const events: HostEvent[] = [];
  const service = createService({
    face: 'web',
    cacheDir: mkdtempSync(join(scratch, 'cache-')),
    dataDir: mkdtempSync(join(scratch, 'data-')),
    env: {},
    detect: async () => snapshot,
    discover: async () => ({ models: [], searched: [] }),
    probe: fake.probe,
    ...extra,
  });
  service.onEvent((event) => events.push(event));
  const probeRuns = (): RunState[] => events.flatMap((e) => (e.type === 'run' && e.run.kind === 'probe' ? [e.run] : []));
  const lastProbe = (): RunState | undefined => probeRuns().at(-1);
  const waitFor = async (ok: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
    if (!ok()) throw new Error(`timed out waiting for ${what}`);
  };
  return { service, fake, events, probeRuns, lastProbe, waitFor };
}

describe('the probe the host starts on a first launch', () => {
  it('starts with the first report, pushes its progress, and the next report is calibrated', async () => {
    const s = makeService({ autoProbe: true });
    const first = await s.service.call('getReport', {});
    expect(first.calibration).toBeNull(); // the first screen does not wait for it
    await s.waitFor(() => s.lastProbe()?.state === 'running', 'the probe to start');
    expect(s.fake.calls()).toBe(1);
    expect(s.probeRuns().some((r) => r.progress.message === 'timing Q4_K generation')).toBe(true);
    // A second report while it runs starts nothing more.
    await s.service.call('getReport', {});
    s.fake.finish();
    await s.waitFor(() => s.lastProbe()?.state === 'done', 'the probe to land');
    expect(s.lastProbe()?.calibration).toEqual(measured);
    expect((await s.service.call('getReport', {})).calibration).toEqual(measured);
    expect(s.fake.calls()).toBe(1);
    s.service.dispose();
  });

  it('starts nothing when the face does not ask for it (the CLI) or RIGHTSIZE_NO_AUTO_PROBE=1', async () => {
    for (const extra of [{}, { face: 'cli' as const }, { autoProbe: true, env: { RIGHTSIZE_NO_AUTO_PROBE: '1' } }]) {
      const s = makeService(extra);
      expect((await s.service.call('getReport', {})).calibration).toBeNull();
      await new Promise((r) => setTimeout(r, 50));
      expect(s.fake.calls()).toBe(0);
      expect(s.probeRuns()).toEqual([]);
    }
    expect(autoProbeEnabled(true, {})).toBe(true);
    expect(autoProbeEnabled(true, { RIGHTSIZE_NO_AUTO_PROBE: 'true' })).toBe(false);
    expect(autoProbeEnabled(undefined, {})).toBe(false);
  });

  it('starts nothing when this machine is already calibrated', async () => {
    const cacheDir = mkdtempSync(join(scratch, 'calibrated-'));
    await saveCalibration(cacheDir, snapshot.cpu.model, measured);
    const s = makeService({ autoProbe: true, cacheDir });
    expect((await s.service.call('getReport', {})).calibration).toEqual(measured);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.fake.calls()).toBe(0);
  });

  it('is not started again in this session once the user cancelled it', async () => {
    const s = makeService({ autoProbe: true });
    await s.service.call('getReport', {});
    await s.waitFor(() => s.lastProbe()?.state === 'running', 'the probe to start');
    await s.service.call('cancelRun', { runId: s.lastProbe()!.runId });
    await s.waitFor(() => s.lastProbe()?.state === 'cancelled', 'the cancel');
    for (let i = 0; i < 3; i++) await s.service.call('getReport', { contextTokens: 4096 * (i + 1) });
    await new Promise((r) => setTimeout(r, 50));
    expect(s.fake.calls()).toBe(1);
    expect((await s.service.call('getReport', {})).calibration).toBeNull();
    // The user can still calibrate by hand.
    const manual = await s.service.call('startProbe', {});
    expect(manual.state).toBe('running');
    expect(s.fake.calls()).toBe(2);
    s.service.dispose();
  });

  it("starts none while the user's own probe runs, and none after the user cancelled theirs", async () => {
    const s = makeService({ autoProbe: true });
    const manual = await s.service.call('startProbe', {}); // the user was first
    await s.service.call('getReport', {});
    await new Promise((r) => setTimeout(r, 50));
    expect(s.fake.calls()).toBe(1);
    await s.service.call('cancelRun', { runId: manual.runId });
    await s.waitFor(() => s.lastProbe()?.state === 'cancelled', 'the cancel');
    await s.service.call('getReport', {});
    await new Promise((r) => setTimeout(r, 50));
    expect(s.fake.calls()).toBe(1);
    s.service.dispose();
  });
});

describe('createAutoProbe when the probe cannot start', () => {
  const deps = (startProbe: () => Promise<RunState>) => ({
    enabled: true,
    cpuModel: async () => 'Test CPU',
    calibration: async () => null,
    startProbe,
  });
  const settle = () => new Promise((r) => setTimeout(r, 10));

  it('a failure other than busy is not retried on every report', async () => {
    let calls = 0;
    const auto = createAutoProbe(
      deps(async () => {
        calls++;
        throw new UserFacingError('node-llama-cpp cannot load on this machine', 'probe-failed');
      }),
    );
    for (let i = 0; i < 3; i++) {
      auto.maybeStart();
      await settle();
    }
    expect(calls).toBe(1);
  });

  it('busy (the user started a run first) is tried again at the next report', async () => {
    let calls = 0;
    const auto = createAutoProbe(
      deps(async () => {
        calls++;
        throw new UserFacingError('A benchmark is running', 'busy');
      }),
    );
    for (let i = 0; i < 3; i++) {
      auto.maybeStart();
      await settle();
    }
    expect(calls).toBe(3);
  });
});
