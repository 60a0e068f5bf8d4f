// Hardware profiles as a user meets them: saved from the CLI, seen by the web host over the same data
// folder, used by report and estimate; a damaged store file is copied aside with a message and what
// can be read is kept; a hostile import is refused and leaves the store file byte for byte as it was.
// Compare sizes saved profiles and this machine side by side, in the CLI and over the web host.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index';
import { createService, UserFacingError, type Service, type ServiceOptions } from '../../src/node/service';
import { openHistory } from '../../src/node/bench/history';
import { saveCalibration } from '../../src/node/probe/calibration-store';
import { openProfileStore } from '../../src/node/profiles/store';
import { startWebHost } from '../../src/web/server';
import type { BenchRecord, CompareResult, EstimateResult, PoolResult, Profile, Report } from '../../src/shared/schema';
import { makeBenchRecord } from '../helpers/bench-record';
import { GiB } from '../../src/shared/units';
import { makeCalibration, makeSnapshot, rtx4090 } from '../helpers/hardware';

const roots: string[] = [];
const tempDir = (label: string): string => {
  const dir = mkdtempSync(join(tmpdir(), `rightsize-profiles-${label}-`));
  roots.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

const detected = makeSnapshot({ gpus: [rtx4090()], ramBytes: 64 * GiB });

let dataDir: string;
let cacheDir: string;
beforeEach(() => {
  dataDir = tempDir('data');
  cacheDir = tempDir('cache');
});

function service(face: 'cli' | 'web', options: Partial<ServiceOptions> = {}): Service {
  return createService({
    ...options,
    face,
    detect: async () => detected,
    discover: async () => ({ models: [], searched: [] }),
    dataDir,
    cacheDir,
    env: {},
  });
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), isTTY: false, env: {} };
  const code = await main(args, io, { createService: (o) => service('cli', o) });
  return { code, stdout, stderr };
}

const storePath = (): string => join(dataDir, 'profiles.json');
const asides = (label = 'corrupt'): string[] => readdirSync(dataDir).filter((f) => f.startsWith(`profiles.json.${label}-`));

const benchRecord = (cpu: string): BenchRecord =>
  makeBenchRecord({ id: `r-${cpu}`, hardware: { cpu, gpus: [], ramBytes: 8e9, os: 'linux' } });

function postJson(port: number, token: string, method: string, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: `/api/${method}`,
        method: 'POST',
        headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Saves two profiles through the CLI and returns the store file's text. */
async function saveTwo(): Promise<string> {
  expect((await cli(['profiles', 'save', 'Desk'])).code).toBe(0);
  expect((await cli(['profiles', 'save', 'Small box', '--vram', '0', '--ram', '8GiB'])).code).toBe(0);
  return readFileSync(storePath(), 'utf8');
}

describe('profiles: CLI, web host and report share one store', () => {
  it('saves in the CLI, lists and reads in the web host, and report/estimate --profile size for it', async () => {
    await saveCalibration(cacheDir, detected.cpu.model, makeCalibration());
    openHistory(dataDir).add(benchRecord(detected.cpu.model));
    openHistory(dataDir).add(benchRecord('Another CPU'));

    const saved = await cli(['profiles', 'save', 'Desk']);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toContain('Saved "Desk"');
    const whatIf = await cli(['profiles', 'save', 'Small box', '--vram', '0', '--ram', '8GiB', '--json']);
    expect(whatIf.code, whatIf.stderr).toBe(0);
    expect((JSON.parse(whatIf.stdout) as Profile).hardware.ram.totalBytes).toBe(8 * GiB);
    // Other RAM keeps this machine's CPU and so its probe; a whole machine preset names a CPU the probe never measured.
    expect((JSON.parse(whatIf.stdout) as Profile).calibration?.tgMemoryBytesPerSec).toBe(25e9);
    const jetson = await cli(['profiles', 'save', 'Jetson', '--machine', 'jetson-orin-nano-super-8gb', '--json']);
    expect(jetson.code, jetson.stderr).toBe(0);
    expect((JSON.parse(jetson.stdout) as Profile).calibration).toBeNull();
    // One saved with a probe before that rule (or imported so) is sized uncalibrated all the same.
    const file = join(tempDir('jetson'), 'jetson.json');
    expect((await cli(['profiles', 'export', 'Jetson', file])).code).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { profile: Profile };
    writeFileSync(file, JSON.stringify({ ...doc, profile: { ...doc.profile, name: 'Old Jetson', calibration: makeCalibration() } }));
    expect((await cli(['profiles', 'import', file])).code).toBe(0);
    const old = await cli(['report', '--json', '--profile', 'Old Jetson']);
    expect(old.code, old.stderr).toBe(0);
    expect((JSON.parse(old.stdout) as Report).calibration).toBeNull();
    expect((await cli(['profiles', 'delete', 'Jetson'])).code).toBe(0);
    expect((await cli(['profiles', 'delete', 'Old Jetson'])).code).toBe(0);
    // The same name again is refused without --force, and replaced with it.
    expect((await cli(['profiles', 'save', 'desk'])).stderr).toContain('exists');
    expect((await cli(['profiles', 'save', 'desk', '--force'])).code).toBe(0);

    const rendererDir = tempDir('renderer');
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>rightsize</title>');
    const webService = service('web');
    const host = await startWebHost({ service: webService, rendererDir });
    try {
      const list = await postJson(host.port, host.token, 'listProfiles', {});
      expect(list.status).toBe(200);
      const { profiles, problem } = list.json as { profiles: Array<{ name: string; origin: string; ramBytes: number }>; problem: null };
      expect(problem).toBeNull();
      expect(profiles.map((p) => [p.name, p.origin])).toEqual([
        ['desk', 'detected'],
        ['Small box', 'what-if'],
      ]);
      const desk = (await postJson(host.port, host.token, 'getProfile', { name: 'Desk' })).json as Profile;
      expect(desk.hardware.gpus.map((g) => g.name)).toEqual(['NVIDIA GeForce RTX 4090']);
      expect(desk.calibration?.tgMemoryBytesPerSec).toBe(25e9);
      // Only this machine's benchmarks come with it.
      expect(desk.benchRecords.map((r) => r.hardware.cpu)).toEqual([detected.cpu.model]);
      const missing = await postJson(host.port, host.token, 'getProfile', { name: 'Nope' });
      expect(missing.status).toBe(400);
      expect((missing.json as { error: { message: string } }).error.message).toContain('Saved profiles: "desk", "Small box"');
    } finally {
      await host.close();
      webService.dispose();
    }

    const here = JSON.parse((await cli(['report', '--json'])).stdout) as Report;
    const small = await cli(['report', '--json', '--profile', 'Small box']);
    expect(small.code, small.stderr).toBe(0);
    const smallReport = JSON.parse(small.stdout) as Report;
    expect(smallReport.hardware.ram.totalBytes).toBe(8 * GiB);
    expect(smallReport.profile).toBe('Small box');
    expect(here.profile).toBeUndefined();
    expect((await cli(['report', '--profile', 'small BOX'])).stdout).toContain('Profile "Small box"');
    expect(here.hardware.ram.totalBytes).toBe(64 * GiB);
    expect(smallReport.budget.gpuBytes).toBe(0);
    expect(here.budget.gpuBytes).toBeGreaterThan(20 * GiB);

    const estimate = await cli(['estimate', 'llama-3.1-8b', '--json', '--profile', 'Small box']);
    expect(estimate.code, estimate.stderr).toBe(0);
    expect((JSON.parse(estimate.stdout) as EstimateResult).fit).not.toBe('gpu');

    const unknown = await cli(['report', '--profile', 'Laptop']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No profile named "Laptop". Saved profiles: "desk", "Small box".');
  });

  it('shows, renames, exports, deletes and imports again', async () => {
    await saveTwo();
    const shown = await cli(['profiles', 'show', 'Desk']);
    expect(shown.stdout).toContain('NVIDIA GeForce RTX 4090');
    expect((await cli(['profiles', 'rename', 'Desk', 'Workstation'])).code).toBe(0);
    const file = join(tempDir('export'), 'ws.json');
    expect((await cli(['profiles', 'export', 'Workstation', file])).code).toBe(0);
    expect((await cli(['profiles', 'export', 'Workstation', file])).stderr).toContain('--force');
    expect((await cli(['profiles', 'delete', 'Workstation'])).stdout).toContain('Deleted profile "Workstation"');
    const imported = await cli(['profiles', 'import', file, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ name: 'Workstation', origin: 'imported' });
    const list = JSON.parse((await cli(['profiles', 'list', '--json'])).stdout) as { profiles: Array<{ name: string }> };
    expect(list.profiles.map((p) => p.name)).toEqual(['Small box', 'Workstation']);
    // With no action it lists them too; an unknown one says what there is.
    expect((await cli(['profiles', '--json'])).stdout).toBe((await cli(['profiles', 'list', '--json'])).stdout);
    expect((await cli(['profiles', 'frob'])).stderr).toContain('Use: rightsize profiles list | save NAME');
    expect((await cli(['profiles', 'import', file])).stderr).toContain('exists');
  });
});

describe('profiles: a damaged store file is copied aside, reported, and what can be read is kept', () => {
  const listed = async (): Promise<{ names: string[]; problem: string | null }> => {
    const { profiles, problem } = await service('cli').call('listProfiles', {});
    return { names: profiles.map((p) => p.name), problem };
  };

  it('truncated JSON: keeps the complete profiles', async () => {
    const text = await saveTwo();
    const cut = text.slice(0, text.indexOf('Small box') + 20);
    writeFileSync(storePath(), cut);
    const { names, problem } = await listed();
    expect(names).toEqual(['Desk']);
    expect(problem).toMatch(/not complete JSON.*moved to .*profiles\.json\.corrupt-.*1 profile/);
    expect(asides().map((f) => readFileSync(join(dataDir, f), 'utf8'))).toEqual([cut]);
    // Repaired: the next read has no problem and the file validates.
    expect((await listed()).problem).toBeNull();
    expect(JSON.parse(readFileSync(storePath(), 'utf8')).profiles).toHaveLength(1);
  });

  it('wrong types: keeps the profiles that validate', async () => {
    const text = await saveTwo();
    const data = JSON.parse(text) as { profiles: Array<Record<string, unknown>> };
    data.profiles[1]!.hardware = 'a laptop';
    data.profiles.push({ name: 5 });
    writeFileSync(storePath(), JSON.stringify(data));
    const { names, problem } = await listed();
    expect(names).toEqual(['Desk']);
    expect(problem).toContain('profiles.json.corrupt-');
    expect(asides()).toHaveLength(1);

    writeFileSync(storePath(), '[1, 2, 3]');
    expect((await listed()).names).toEqual([]);
    expect(asides()).toHaveLength(2);
  });

  it('a version from the future: read what validates, never overwrite it', async () => {
    const text = await saveTwo();
    const future = text.replace('"version": 1', '"version": 7');
    expect(future).not.toBe(text);
    writeFileSync(storePath(), future);
    const { names, problem } = await listed();
    expect(names).toEqual(['Desk', 'Small box']);
    expect(problem).toContain('newer rightsize (store version 7');
    expect(asides().map((f) => readFileSync(join(dataDir, f), 'utf8'))).toEqual([future]);
    const refused = await cli(['profiles', 'delete', 'Desk']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Update rightsize');
    await listed();
    expect(readFileSync(storePath(), 'utf8')).toBe(future);
    // Read again and again, it is copied once.
    expect(asides()).toHaveLength(1);
  });

  it('an empty file and a folder in its place are moved aside and a new store starts', async () => {
    writeFileSync(storePath(), '');
    expect((await listed()).problem).toContain('it is empty');
    expect(asides()).toHaveLength(1);
    expect((await cli(['profiles', 'save', 'Desk'])).code).toBe(0);

    rmSync(storePath());
    mkdirSync(storePath());
    writeFileSync(join(storePath(), 'inside.txt'), 'kept');
    const { names, problem } = await listed();
    expect(names).toEqual([]);
    expect(problem).toContain('a folder is where the file should be');
    const folder = asides().find((f) => existsSync(join(dataDir, f, 'inside.txt')));
    expect(folder).toBeDefined();
    expect((await cli(['profiles', 'save', 'Desk'])).code).toBe(0);
  });

  it('runs the migration hook for an older store version, keeping a copy of the file as it was', () => {
    const store = openProfileStore({ dir: dataDir });
    const profile: Profile = {
      name: 'Old',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      origin: 'detected',
      hardware: detected,
      calibration: null,
      benchRecords: [],
    };
    const v0 = JSON.stringify({ version: 0, machines: [profile] });
    writeFileSync(storePath(), v0);
    // The real table has no step from version 0: the file is copied aside, and nothing is lost.
    expect(store.list().problem).toContain('has no upgrade');
    writeFileSync(storePath(), v0);
    const migrated = openProfileStore({ dir: dataDir, migrations: { 0: (file) => ({ profiles: file.machines }) } });
    expect(migrated.list()).toEqual({ profiles: [profile], problem: null });
    expect(JSON.parse(readFileSync(storePath(), 'utf8'))).toEqual({ version: 1, profiles: [profile] });
    expect(asides('v0').map((f) => readFileSync(join(dataDir, f), 'utf8'))).toEqual([v0]);
  });
});

describe('profiles: a hostile import is refused and changes nothing', () => {
  it.each([
    [
      '5 MB of text',
      () => `{"format":"rightsize-profile","version":1,"note":"${'x'.repeat(5 * 1024 * 1024)}"}`,
      /too large|at most|1024 KiB|bytes/,
    ],
    [
      '10,000 levels deep',
      () => `{"format":"rightsize-profile","version":1,"profile":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      /nested more than/,
    ],
    ['wrong types', () => '{"format":"rightsize-profile","version":1,"profile":{"name":5,"hardware":[]}}', /profile\.name/],
    ['not JSON', () => '{"format":"rightsize-profile",', /not JSON/],
    ['a stray JSON file', () => '{"hello":"world"}', /rightsize-profile/],
  ])('%s', async (_label, makeText, message) => {
    await saveTwo();
    const before = readFileSync(storePath());
    const file = join(tempDir('import'), 'profile.json');
    writeFileSync(file, makeText());
    const answer = await cli(['profiles', 'import', file]);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toMatch(message);
    expect(answer.stderr.length).toBeLessThan(2000);
    expect(readFileSync(storePath())).toEqual(before);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('profiles'))).toEqual(['profiles.json']);
  });

  it('names with path tricks and __proto__ keys, as text and as objects', async () => {
    const text = await saveTwo();
    const before = readFileSync(storePath());
    const document = await service('cli').call('exportProfile', { name: 'Desk' });
    const hostile: unknown[] = [
      { ...document, profile: { ...document.profile, name: '../../etc' } },
      { ...document, profile: { ...document.profile, name: 'a\u0000b' } },
      { ...document, profile: { ...document.profile, name: '..' } },
      JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(document).slice(1)}`),
      JSON.parse(JSON.stringify(document).replace('"hardware":{', '"hardware":{"constructor":{"prototype":{"polluted":true}},')),
    ];
    for (const doc of hostile) {
      for (const sent of [JSON.stringify(doc), doc]) {
        const failure = await service('cli')
          .call('importProfile', { document: sent })
          .then(
            () => null,
            (error: unknown) => error,
          );
        expect(failure).toBeInstanceOf(UserFacingError);
        expect((failure as Error).message.length).toBeLessThan(2000);
      }
    }
    expect(
      await service('cli')
        .call('importProfile', { document, name: '../../etc' })
        .catch((e: Error) => e.message),
    ).toMatch(/cannot contain/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(readFileSync(storePath())).toEqual(before);
    expect(text).toBe(before.toString('utf8'));
  });
});

describe('compare: saved profiles and this machine side by side', () => {
  it('compares two what-if profiles and this machine in the CLI, and the web host answers the same', async () => {
    expect((await cli(['profiles', 'save', 'Small box', '--vram', '0', '--ram', '8GiB'])).code).toBe(0);
    expect((await cli(['profiles', 'save', 'Big box', '--gpu', 'RTX 4090', '--ram', '128GiB'])).code).toBe(0);

    const table = await cli(['compare', 'small box', 'Big box', 'This Machine', '--ctx', '4k']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('rightsize compare: 4k context, f16 KV cache');
    for (const text of ['Small box', 'Big box', 'This machine', 'Start here', 'Scale up', 'Ceiling', 'Hardware', '128.0 GiB', '* ']) {
      expect(table.stdout).toContain(text);
    }

    const json = await cli(['compare', 'Small box', 'Big box', '--json', '--kv', 'q8_0']);
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout) as CompareResult;
    expect(result.settings).toEqual({ contextTokens: 8192, kvType: 'q8_0' });
    expect(result.machines.map((m) => [m.name, m.profile, m.hardware.ramBytes])).toEqual([
      ['Small box', 'Small box', 8 * GiB],
      ['Big box', 'Big box', 128 * GiB],
    ]);
    const runs = (i: number): number => result.models.filter((m) => m.cells[i] !== null).length;
    expect(runs(1)).toBeGreaterThan(runs(0));
    expect(result.models.filter((m) => m.cells[1]?.fit === 'gpu').length).toBeGreaterThan(0);
    expect(result.models.some((m) => m.cells[0]?.fit === 'gpu')).toBe(false);

    // The ladder is the one `report --profile` shows for the same settings.
    const report = JSON.parse((await cli(['report', '--profile', 'Big box', '--kv', 'q8_0', '--json'])).stdout) as Report;
    expect(result.machines[1]?.recommendation).toEqual(report.recommendation);

    const rendererDir = tempDir('renderer');
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>rightsize</title>');
    const host = await startWebHost({ service: service('web'), rendererDir });
    try {
      const web = await postJson(host.port, host.token, 'compareProfiles', { profiles: ['Small box', 'Big box'], kvType: 'q8_0' });
      expect(web.status).toBe(200);
      expect(web.json).toEqual(result);
      const missing = await postJson(host.port, host.token, 'compareProfiles', { profiles: ['Small box', 'Nowhere'] });
      expect(missing.status).toBe(400);
      expect(JSON.stringify(missing.json)).toContain('Nowhere');
    } finally {
      await host.close();
    }
  });

  it('gives every machine the ladder asked for (task, benchmark, priority), in the CLI and over HTTP', async () => {
    expect((await cli(['profiles', 'save', 'Coder box', '--gpu', 'RTX 4090', '--ram', '64GiB'])).code).toBe(0);
    const table = await cli(['compare', 'Coder box', 'this machine', '--task', 'coding', '--benchmark', 'swe-bench verified']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('Start small, scale up: coding, judged by SWE-bench Verified, balanced priority');
    const json = await cli(['compare', 'Coder box', 'this machine', '--task', 'coding', '--benchmark', 'SWE-bench Verified', '--json']);
    const result = JSON.parse(json.stdout) as CompareResult;
    const report = JSON.parse(
      (await cli(['recommend', '--profile', 'Coder box', '--task', 'coding', '--benchmark', 'SWE-bench Verified', '--json'])).stdout,
    ) as Pick<Report, 'recommendation'>;
    expect(result.machines[0]?.recommendation).toEqual(report.recommendation);
    expect(result.machines[0]?.recommendation.bar?.benchmark).toBe('SWE-bench Verified');
    // A minimum speed of the user's own reaches every machine's ladder, as it does `recommend`'s.
    const slow = JSON.parse(
      (await cli(['compare', 'Coder box', 'this machine', '--task', 'coding', '--min-tps', '3', '--json'])).stdout,
    ) as CompareResult;
    expect(slow.machines.map((m) => m.recommendation.minTokPerSec)).toEqual([3, 3]);
    expect((await cli(['compare', 'Coder box', 'this machine', '--min-tps', 'fast'])).stderr).toMatch(/--min-tps "fast" must be a number/);
    const bad = await cli(['compare', 'Coder box', 'this machine', '--task', 'extraction', '--benchmark', 'MMLU-Pro']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--benchmark "MMLU-Pro": extraction is judged by IFEval/);
    const rendererDir = tempDir('renderer');
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>rightsize</title>');
    const host = await startWebHost({ service: service('web'), rendererDir });
    try {
      const wrong = await postJson(host.port, host.token, 'compareProfiles', {
        profiles: ['Coder box', 'this machine'],
        task: 'extraction',
        benchmark: 'MMLU-Pro',
      });
      expect(wrong.status).toBe(400);
      expect(JSON.stringify(wrong.json)).toMatch(/extraction is judged by IFEval only, not \\"MMLU-Pro\\"/);
    } finally {
      await host.close();
    }
  });

  it('refuses one profile, five, or the same one twice with advice', async () => {
    const one = await cli(['compare', 'Desk']);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('Name 2 to 4 profiles');
    expect((await cli(['compare', 'a', 'b', 'c', 'd', 'e'])).code).toBe(2);
    const twice = await cli(['compare', 'this machine', 'THIS MACHINE']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('each profile may be named once');
  });
});

describe('plan: one model over a pool of saved profiles', () => {
  it('plans a model over two what-if profiles in the CLI, as a table and as JSON', async () => {
    expect((await cli(['profiles', 'save', 'Head', '--vram', '0', '--ram', '16GiB'])).code).toBe(0);
    expect((await cli(['profiles', 'save', 'Worker', '--vram', '0', '--ram', '16GiB'])).code).toBe(0);

    const table = await cli(['plan', '--pool', 'Head,Worker', '--model', 'llama-3.1-8b', '--link', '1GbE', '--ctx', '4k']);
    expect(table.code, table.stderr).toBe(0);
    for (const text of [
      'Llama',
      'Q4_K_M',
      'Fits the pool.',
      'rpc-server -H 0.0.0.0 -p 50052 -c',
      '--rpc Worker:50052',
      'Catalog models that fit',
    ]) {
      expect(table.stdout).toContain(text);
    }

    const json = await cli(['plan', '--pool', 'Head,Worker', '--model', 'llama-3.1-8b', '--link', '10Gbps', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout) as PoolResult;
    expect(result.plan.hops).toBe(1);
    expect(result.link).toEqual({ name: null, bytesPerSec: 1.25e9, latencySeconds: 0.0002 });
    expect(result.models.find((m) => m.modelId === 'llama-3.1-8b')?.fits).toBe(true);

    expect((await cli(['plan', '--pool', 'Head', '--model', 'llama-3.1-8b'])).code).toBe(2);
    const missing = await cli(['plan', '--pool', 'Head,Nowhere', '--model', 'llama-3.1-8b']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Nowhere');
  });
});
