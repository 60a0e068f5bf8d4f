// The CLI is a face: it parses, calls the service and formats. Driven here with a fake service
// that records every call and pushes run events, so each command is checked without hardware,
// models or child processes.
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/core/report';
import { main, COMMANDS } from '../../src/cli/index';
import { HostApiSchemas, type HostApiMethod, type HostEventListener } from '../../src/shared/api';
import type { BenchRecord, RunState } from '../../src/shared/schema';
import { UserFacingError, type Service, type ServiceOptions } from '../../src/node/service';
import { loadCatalog, loadGpuPresets, loadMachinePresets } from '../../src/node/resources';
import { presetList } from '../../src/node/presets';
import { makeBenchRecord } from '../helpers/bench-record';
import { makeCalibration, makeSnapshot } from '../helpers/hardware';

/** A snapshot whose RAM bandwidth the probe read on one core, as on a machine detected for real. */
function probedSnapshot(): ReturnType<typeof makeSnapshot> {
  const s = makeSnapshot();
  s.cpu.bandwidthSource = { kind: 'measured', by: 'memory-bandwidth-probe', detail: 'single-thread read bandwidth' };
  return s;
}

interface Recorded {
  method: HostApiMethod;
  input: unknown;
}

const calibration = makeCalibration();

const record: BenchRecord = makeBenchRecord({
  id: 'r1',
  pp: { samples: [1000, 1010], mean: 1005, sd: 7.1 },
  tg: { samples: [400, 410], mean: 405, sd: 7.1 },
  hardware: { cpu: 'Test CPU', gpus: [], ramBytes: 8e9, os: 'linux' },
});

function runState(overrides: Partial<RunState>): RunState {
  return {
    runId: '00000000-0000-4000-8000-000000000001',
    kind: 'bench',
    state: 'running',
    progress: { phase: 'start', done: 0, total: 1, message: 'starting', fraction: 0 },
    startedAt: '2026-12-02T08:00:00.000Z',
    record: null,
    calibration: null,
    measurement: null,
    error: null,
    ...overrides,
  };
}

/** A service that answers from canned values and ends each run with `runEnd`, pushing events like the real one. */
function fakeService(runEnd: Partial<RunState> = {}): {
  service: Service;
  calls: Recorded[];
  options: Partial<ServiceOptions>[];
  make: (o: ServiceOptions) => Service;
} {
  const calls: Recorded[] = [];
  const options: Partial<ServiceOptions>[] = [];
  const listeners = new Set<HostEventListener>();
  const emit = (run: RunState): void => listeners.forEach((l) => l({ type: 'run', run }));
  const startRun = (kind: RunState['kind']): RunState => {
    const started = runState({ kind });
    emit(started);
    emit({ ...started, progress: { ...started.progress, message: 'halfway', fraction: 0.5 } });
    // The end arrives before the start call has even answered: the CLI must not miss it.
    emit({ ...started, state: 'done', ...runEnd });
    return started;
  };
  const answers: { [M in HostApiMethod]?: (input: never) => unknown } = {
    getReport: () => buildReport(probedSnapshot(), loadCatalog(), { contextTokens: 8192, kvType: 'f16', calibration }, { detectMs: 1 }),
    getHardware: () => probedSnapshot(),
    listModels: () => ({ models: [], searched: [{ source: 'ollama', path: '/x/.ollama/models', status: 'missing' }] }),
    listBenchHistory: () => ({ records: [record], problem: null }),
    getVersion: () => ({ app: '9.9.9', node: '20', face: 'cli', llamaBench: { path: null, problem: null } }),
    startBench: () => startRun('bench'),
    startProbe: () => startRun('probe'),
    cancelRun: () => runState({ state: 'cancelled' }),
    listPresets: () => presetList(loadGpuPresets(), loadMachinePresets()),
  };
  const service: Service = {
    async call(method, input) {
      const parsed = HostApiSchemas[method].input.parse(input);
      calls.push({ method, input: parsed });
      const answer = answers[method];
      if (!answer) throw new UserFacingError(`fake: ${method} not faked`, 'fake');
      return HostApiSchemas[method].output.parse(answer(parsed as never)) as never;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose: () => undefined,
  };
  return {
    service,
    calls,
    options,
    make: (o) => {
      options.push(o);
      return service;
    },
  };
}

async function cli(
  args: string[],
  fake = fakeService(),
): Promise<{ code: number; stdout: string; stderr: string; calls: Recorded[]; options: Partial<ServiceOptions>[] }> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, env: {} },
    { createService: fake.make },
  );
  return { code, stdout, stderr, calls: fake.calls, options: fake.options };
}

describe('the CLI over a fake service', () => {
  it('report turns its flags into one getReport call and says the speeds are calibrated', async () => {
    const r = await cli(['report', '--ctx', '16k', '--kv', 'q8_0', '--vram', '12GiB', '--no-color']);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([
      {
        method: 'getReport',
        input: { contextTokens: 16384, kvType: 'q8_0', whatIf: { vramBytes: 12 * 2 ** 30 }, files: [], includeDiscovered: true },
      },
    ]);
    expect(r.stdout).toContain('CPU speeds calibrated by the probe of 2026-12-02 08:00');
    // Both bandwidths, each named: one core's quick read, and the probe's that CPU speeds use.
    expect(r.stdout).toMatch(/RAM bandwidth [\d.]+ GB\/s one core/);
    expect(r.stdout).toMatch(/[\d.]+ GB\/s llama\.cpp on \d+ thread\(s\) +rightsize probe: what CPU speeds use/);
    expect(r.stdout).not.toContain('not yet calibrated');
  });

  it('estimate sends the model as typed and leaves defaults to the service', async () => {
    const fake = fakeService();
    await cli(['estimate', 'llama3.1:8b', '--gpu-layers', '20', '--json'], fake);
    expect(fake.calls[0]).toEqual({ method: 'estimate', input: { model: 'llama3.1:8b', kvType: 'f16', gpuLayers: 20 } });
  });

  it('bench starts a run, follows its events to the end and prints llama-bench terms', async () => {
    const r = await cli(['bench', 'llama3.1:8b', '-p', '64', '-n', '16', '-r', '2', '--no-save'], fakeService({ record }));
    expect(r.code).toBe(0);
    expect(r.calls[0]).toMatchObject({
      method: 'startBench',
      input: { model: 'llama3.1:8b', promptTokens: 64, genTokens: 16, repetitions: 2, save: false, withLlamaBench: false },
    });
    expect(r.stdout).toMatch(/\| tiny Q8_0 \|.*\| pp512 \| 1005\.00 ± 7\.10 \|/);
    // Progress goes to stderr, one line per message, never to stdout.
    expect(r.stderr).toContain('halfway');
  });

  it('a run that ends badly is an error that says what happened, and nothing is printed as a result', async () => {
    const r = await cli(['bench', '/m/tiny.gguf'], fakeService({ state: 'failed', error: 'The llama worker was killed by SIGABRT' }));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/benchmark failed: The llama worker was killed by SIGABRT Nothing was saved to history/);
  });

  it('--llama-bench-bin reaches the service as an option of its own, never as a request field', async () => {
    const r = await cli(['bench', '/m/tiny.gguf', '--llama-bench-bin', '/opt/llama-bench'], fakeService({ record }));
    expect(r.options.at(-1)).toMatchObject({ llamaBenchPath: '/opt/llama-bench' });
    expect(r.calls[0]?.input).toMatchObject({ withLlamaBench: true });
    expect(JSON.stringify(r.calls[0]?.input)).not.toContain('/opt/llama-bench');
  });

  it('probe prints the calibration the run brought back', async () => {
    const r = await cli(['probe'], fakeService({ kind: 'probe', calibration }));
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.method)).toEqual(['startProbe']);
    expect(r.stdout).toMatch(/Q4_K\s+generation reads 20\.0 GB\/s/);
  });

  it("the background child that caches node-llama-cpp's answer keeps the cached RAM bandwidth (no refresh)", async () => {
    const r = await cli(['__refresh-cache']);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual([{ method: 'getHardware', input: { refresh: false } }]);
    expect(r.options.at(-1)).toMatchObject({ waitForLlama: true, backgroundRefresh: false });
  });

  it('models, history, hardware and version each make one call', async () => {
    for (const [args, method] of [
      [['models', '--folder', '/tmp/x'], 'listModels'],
      [['history'], 'listBenchHistory'],
      [['hardware', '--json'], 'getHardware'],
      [['version'], 'getVersion'],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.calls.map((c) => c.method)).toEqual([method]);
    }
    expect((await cli(['version'])).stdout).toBe('9.9.9\n');
  });

  it('every command has --help from the one table, and an unknown command lists them all', async () => {
    for (const command of COMMANDS.filter((c) => !c.hidden)) {
      const r = await cli([command.name, '--help']);
      expect(r.code, command.name).toBe(0);
      expect(r.stdout).toContain(`rightsize ${command.name}`);
      for (const option of Object.keys(command.options))
        expect(r.stdout, `${command.name} --${option}`).toContain(option.length === 1 ? `-${option}` : `--${option}`);
      expect(r.calls).toEqual([]);
    }
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    for (const command of COMMANDS.filter((c) => !c.hidden)) expect(unknown.stderr).toContain(command.name);
    const help = await cli(['help']);
    for (const command of COMMANDS.filter((c) => !c.hidden)) expect(help.stdout).toContain(command.summary);
  });

  it('several GPUs, a machine preset and a tensor split become one what-if request', async () => {
    const fake = fakeService();
    await cli(
      ['estimate', 'llama-3.1-70b', '--gpu', '2x RTX 3090', '--gpu', 'RTX 3060', '--ram', '64GiB', '--tensor-split', '3,3,1', '--json'],
      fake,
    );
    expect(fake.calls[0]?.input).toMatchObject({
      whatIf: {
        ramBytes: 64 * 2 ** 30,
        gpus: [
          { name: 'RTX 3090', count: 2 },
          { name: 'RTX 3060', count: 1 },
        ],
      },
      tensorSplit: [3, 3, 1],
    });
    const one = fakeService();
    await cli(['report', '--gpu', 'RTX 4090', '--json'], one);
    expect(one.calls[0]?.input).toMatchObject({ whatIf: { gpuName: 'RTX 4090' } });
    const machine = fakeService();
    await cli(['report', '--machine', 'desktop-2x-rtx-3090-128gb', '--json'], machine);
    expect(machine.calls[0]?.input).toMatchObject({ whatIf: { machine: 'desktop-2x-rtx-3090-128gb' } });
  });

  it('--split-mode and --main-gpu reach estimate and report as llama.cpp names them; bad values never reach the service', async () => {
    const estimate = fakeService();
    await cli(['estimate', 'llama-3.1-8b', '--gpu', '2x RTX 3090', '--split-mode', 'none', '--main-gpu', '1', '--json'], estimate);
    expect(estimate.calls[0]).toMatchObject({ method: 'estimate', input: { splitMode: 'none', mainGpu: 1 } });
    expect(HostApiSchemas.estimate.input.parse(estimate.calls[0]?.input)).toMatchObject({ splitMode: 'none', mainGpu: 1 });
    const report = fakeService();
    await cli(['report', '--machine', 'desktop-2x-rtx-3090-128gb', '--split-mode', 'row', '--json'], report);
    expect(report.calls[0]).toMatchObject({ method: 'getReport', input: { splitMode: 'row' } });
    expect(report.calls[0]?.input).not.toHaveProperty('mainGpu');
    for (const args of [
      ['estimate', 'x', '--split-mode', 'rows'],
      ['report', '--split-mode', ''],
      ['estimate', 'x', '--main-gpu', '-1'],
      ['report', '--main-gpu', 'one'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.calls, args.join(' ')).toEqual([]);
    }
  });

  it('upgrade advises for a saved profile when asked', async () => {
    const fake = fakeService();
    await cli(['upgrade', 'llama-3.1-70b', '--profile', 'Two 3090', '--json'], fake);
    expect(fake.calls[0]).toMatchObject({ method: 'upgradeAdvice', input: { model: 'llama-3.1-70b', profile: 'Two 3090' } });
  });

  it('presets lists GPUs and machines, filtered, with the names --gpu and --machine take', async () => {
    const r = await cli(['presets', 'gpus', '3090', '--no-color']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('NVIDIA GeForce RTX 3090');
    expect(r.stdout).not.toContain('RTX 4090');
    expect(r.stdout).not.toContain('Machines');
    const all = await cli(['presets', '--json']);
    const parsed = JSON.parse(all.stdout) as { gpus: unknown[]; machines: Array<{ id: string }> };
    expect(parsed.gpus.length).toBeGreaterThan(100);
    expect(parsed.machines.map((m) => m.id)).toContain('desktop-2x-rtx-3090-128gb');
    const none = await cli(['presets', 'machines', 'zzz-no-such', '--no-color']);
    expect(none.stdout).toContain('No machine preset matches "zzz-no-such"');
  });

  it('bad flags never reach the service', async () => {
    for (const args of [
      ['report', '--gpu', ''],
      ['report', '--gpu', '2x RTX 3090', '--vram', '8GiB'],
      ['report', '--gpu', '40x RTX 3090'],
      ['estimate', 'x', '--tensor-split', '3,a'],
      ['estimate', 'x', '--tensor-split', '0,0'],
      ['report', '--ctx', 'lots'],
      ['bench', 'x.gguf', '-o', 'xml'],
      ['bench', 'x.gguf', '-r', '0'],
      ['estimate'],
      ['measure', 'a.gguf', '--timeout', '-1'],
      ['models', '--folder', ''],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.calls, args.join(' ')).toEqual([]);
      expect(r.stderr).toMatch(/--help|help/);
    }
  });
});
