// The CLI as a user runs it: the built `rightsize` command in a child process.
import { describe, expect, it } from 'vitest';
import { BenchRecordSchema, EstimateResultSchema, MeasurementSchema, ReportSchema } from '../../src/shared/schema';
import { formatTokPerSec, GiB } from '../../src/shared/units';
import { runCli } from '../helpers/cli';
import { writeFakeLlamaBench } from '../helpers/fake-llama-bench';

describe('rightsize report', () => {
  it('--json prints the whole report, valid against the shared schema, alone on stdout', async () => {
    const res = await runCli(['report', '--json']);
    expect(res.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(res.stdout));
    expect(report.hardware.ram.totalBytes).toBeGreaterThan(0);
    expect(report.hardware.cpu.logicalCores).toBeGreaterThan(0);
    expect(report.hardware.ram.source.by).toBeTruthy();
    expect(report.rows.length).toBeGreaterThan(40 * 9);
    const row = report.rows.find((r) => r.modelId === 'llama-3.1-8b' && r.quant === 'Q4_K_M');
    expect(row?.memory.weightsBytes).toBeGreaterThan(4.5e9);
    expect(report.recommendation.start).not.toBeNull();
  });

  it('plans for hardware you do not have (what-if)', async () => {
    const res = await runCli(['report', '--json', '--vram', '8GiB', '--ram', '32GiB', '--ctx', '4k', '--kv', 'q8_0']);
    expect(res.code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(res.stdout));
    expect(report.hardware.whatIf).toBe(true);
    expect(report.hardware.ram.totalBytes).toBe(32 * GiB);
    expect(report.hardware.gpus[0]?.vramBytes).toBe(8 * GiB);
    expect(report.settings).toEqual({ contextTokens: 4096, kvType: 'q8_0' });
    expect(report.rows.some((r) => r.fit === 'gpu')).toBe(true);
    expect(report.rows.some((r) => r.fit === 'partial')).toBe(true);
  });

  it('prints a readable table for people', async () => {
    const res = await runCli(['report']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('This machine');
    expect(res.stdout).toContain('Start here');
    expect(res.stdout).toContain('Q4_K_M');
    expect(res.stdout).toContain('Llama 3.1 8B');
  });

  it.each([
    [['report', '--bogus'], /Unknown option '--bogus'/],
    [['report', '--vram', '8XB'], /--vram: "8XB" is not a size/],
    [['report', '--ctx', '0'], /--ctx must be at least 1 token/],
    [['report', '--ctx', 'lots'], /not a number of tokens/],
    [['report', '--ctx', '99999999'], /beyond every catalogued model's maximum/],
    [['report', '--kv', 'q5_1'], /not a KV cache type/],
    [['frobnicate'], /Unknown command "frobnicate"/],
  ])('%j gets a clear message and a non-zero exit', async (args, message) => {
    const res = await runCli(args);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
  });
});

describe('rightsize estimate and measure', () => {
  const STORIES = new URL('../../../shared/models/stories260K.gguf', import.meta.url).pathname;

  it('estimate of a catalog model gives a per-device breakdown valid against the schema', async () => {
    const res = await runCli(['estimate', 'llama-3.1-8b', '--quant', 'Q4_K_M', '--ctx', '8k', '--json', '--vram', '0']);
    expect(res.code).toBe(0);
    const e = EstimateResultSchema.parse(JSON.parse(res.stdout));
    expect(e.fit).toBe('cpu');
    expect(e.devices.gpu.totalBytes).toBe(0);
    expect(e.devices.cpu.weightsBytes / 1e9).toBeCloseTo(4.92, 1);
    expect(e.devices.cpu.kvBytes).toBe(GiB);
    // With what the ladder judges it by, and the same in words.
    expect(e.model.catalogId).toBe('llama-3.1-8b');
    expect(e.model.scores.find((x) => x.benchmark === 'MMLU-Pro')).toMatchObject({ task: 'chat', score: 48.3 });
    const words = await runCli(['estimate', 'llama-3.1-8b', '--vram', '0', '--no-color']);
    expect(words.stdout).toMatch(/Published scores: chat MMLU 66\.7, MMLU-Pro 48\.3 · coding HumanEval 72\.6 · reasoning GSM8K 84\.5/);
    // A planned GPU without a prompt rate: the words say what would give one, as the app's details do.
    const planned = await runCli(['estimate', 'llama-3.1-8b', '--gpu', 'Arc Pro B70', '--no-color']);
    expect(planned.stdout).toMatch(/The wait before the first token is not estimated on a planned machine: it takes a benchmark run/);
  });

  it('estimate --gpu-layers auto offloads as much as a what-if GPU holds', async () => {
    const res = await runCli(['estimate', 'llama-3.1-70b', '--json', '--gpu', 'RTX 4090', '--ram', '64GiB']);
    const e = EstimateResultSchema.parse(JSON.parse(res.stdout));
    expect(e.fit).toBe('partial');
    expect(e.devices.gpu.totalBytes).toBeLessThanOrEqual(e.budget.gpuBytes);
    const forced = EstimateResultSchema.parse(
      JSON.parse(
        (await runCli(['estimate', 'llama-3.1-70b', '--json', '--gpu', 'RTX 4090', '--ram', '64GiB', '--gpu-layers', '10'])).stdout,
      ),
    );
    expect(forced.gpuLayers).toBe(10);
    // As llama.cpp's -ngl: N = 80 blocks + the output layer, which is offloaded first.
    expect(forced.totalLayers).toBe(81);
    const ngl12 = EstimateResultSchema.parse(
      JSON.parse(
        (await runCli(['estimate', 'llama-3.1-8b', '--json', '--gpu', 'RTX 4090', '--ctx', '8192', '--kv', 'q8_0', '--gpu-layers', '12']))
          .stdout,
      ),
    );
    // llama.cpp (llama-fit-params -ngl 12): 1,806 MiB of weights on the GPU, the output matrix among them.
    expect(ngl12.devices.gpu.weightsBytes / 2 ** 20).toBeCloseTo(1806, -1);
  });

  it('estimate of a GGUF file reads its real tensors; measure loads it and compares', async () => {
    const e = EstimateResultSchema.parse(JSON.parse((await runCli(['estimate', STORIES, '--ctx', '512', '--json'])).stdout));
    expect(e.model.origin).toBe('file');
    expect(e.devices.cpu.weightsBytes).toBe(1_171_200);
    const res = await runCli(['measure', STORIES, '--ctx', '512', '--threads', '1', '--json']);
    expect(res.code).toBe(0);
    const { measurement } = JSON.parse(res.stdout);
    const m = MeasurementSchema.parse(measurement);
    expect(m.devices.cpu.kvBytes).toBeGreaterThan(300_000);
    expect(m.source.kind).toBe('measured');
  });

  it.each([
    [['estimate', 'llama-9000b'], /neither a GGUF file nor a catalog id/],
    [['estimate', 'llama-3.1'], /Did you mean: .*llama-3.1-8b/],
    [['estimate', '/nonexistent/model.gguf'], /no file at/],
    [['estimate', '/tmp', '--json'], /is a folder, not a file/],
    [['estimate', 'llama-3.1-8b', '--quant', 'Q4_X'], /--quant "Q4_X" is not one of/],
    [['estimate', 'llama-3.1-8b', '--gpu-layers', 'many'], /--gpu-layers "many"/],
    [['estimate', 'llama-3.1-8b', '--ctx', '1000000'], /beyond this model's maximum context/],
    [['measure', '/etc/hostname'], /not a GGUF|no file/i],
    [['measure'], /measure needs one GGUF file/],
  ])('%j gets a clear message and a non-zero exit', async (args, message) => {
    const res = await runCli(args);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(message);
  });
});

describe('rightsize models, bench and probe', () => {
  const STORIES = new URL('../../../shared/models/stories260K.gguf', import.meta.url).pathname;

  it('models --folder finds a GGUF in a folder the user adds', async () => {
    const { mkdtempSync, copyFileSync, mkdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'rightsize-models-'));
    mkdirSync(join(dir, 'nested'));
    copyFileSync(STORIES, join(dir, 'nested', 'stories.gguf'));
    const res = await runCli(['models', '--json', '--folder', dir]);
    expect(res.code).toBe(0);
    const list = JSON.parse(res.stdout) as { models: Array<{ path: string; source: string; bytes: number }> };
    const found = list.models.find((m) => m.path.endsWith('stories.gguf'));
    expect(found).toMatchObject({ source: 'folder', bytes: 1_185_376 });
  });

  it('bench -o json prints a record in llama-bench terms and saves it to history', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const data = mkdtempSync(join(tmpdir(), 'rightsize-data-'));
    const res = await runCli(['bench', STORIES, '-p', '64', '-n', '16', '-r', '2', '--threads', '1', '-o', 'json'], {
      RIGHTSIZE_DATA_DIR: data,
    });
    expect(res.code).toBe(0);
    const record = BenchRecordSchema.parse(JSON.parse(res.stdout));
    expect(record.pp.samples).toHaveLength(2);
    expect(record.tg.mean).toBeGreaterThan(0);
    // tg comes from llama.cpp's decode timer, the JavaScript loop's wall clock beside it: the loop
    // adds a round trip per token, so it can only be slower (a little slack for timer granularity).
    expect(record.tgMethod).toBe('decode-timer');
    expect(record.tgLoop?.samples).toHaveLength(2);
    expect(record.tgLoop?.mean).toBeLessThanOrEqual(record.tg.mean * 1.02);
    expect(record.settings).toMatchObject({ promptTokens: 64, genTokens: 16, repetitions: 2 });
    // The model's prompt work is kept, so a run all on a GPU gives that GPU's prompt rate after the file is gone.
    expect(record.promptWork).toMatchObject({ layers: 5, heads: 8, headDim: 8 });
    expect(record.promptWork?.activeParamsB).toBeGreaterThan(0);
    const saved = JSON.parse(readFileSync(join(data, 'bench-history.json'), 'utf8')) as { records: Array<{ id: string }> };
    expect(saved.records.map((r) => r.id)).toEqual([record.id]);
    const md = await runCli(['bench', STORIES, '-p', '32', '-n', '8', '-r', '1', '--threads', '1', '--no-save'], {
      RIGHTSIZE_DATA_DIR: data,
    });
    expect(md.stdout).toMatch(/\| .* \| pp32 \| [\d.]+ ± [\d.]+ \|/);
    expect(md.stdout).toMatch(/tg8/);
    expect(md.stdout).toMatch(/generation timed by llama\.cpp's own decode timer.*JavaScript loop .* ran at [\d.]+ t\/s/);
    // `estimate` of the same file shows what the saved run measured, as the report's row does.
    const est = await runCli(['estimate', STORIES], { RIGHTSIZE_DATA_DIR: data });
    expect(est.stdout).toContain(`${formatTokPerSec(record.tg.mean)} tok/s (measured)`);
  }, 90_000);

  it('bench --llama-bench runs llama-bench on the same file and threads and prints both with the ratios', async () => {
    const fake = writeFakeLlamaBench('ok', { pp: 2000, tg: 300 });
    const res = await runCli(['bench', STORIES, '-p', '32', '-n', '8', '-r', '2', '--threads', '1', '--no-save', '--llama-bench'], {
      PATH: `${fake.dir}:${process.env.PATH ?? ''}`,
    });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/\| llama-bench fake123 \(1\) .*\| 1 \| pp32 \| 2000\.00 ± 20\.00 \|/);
    expect(res.stdout).toMatch(/\| llama-bench .*\| tg8 \| 300\.00 ± 3\.00 \|/);
    expect(res.stdout).toMatch(/rightsize \/ llama-bench \(same file, threads and GPU layers\): pp [\d.]+x, tg [\d.]+x/);
    const json = await runCli([
      'bench',
      STORIES,
      '-p',
      '32',
      '-n',
      '8',
      '-r',
      '1',
      '--threads',
      '1',
      '--no-save',
      '-o',
      'json',
      '--llama-bench-bin',
      writeFakeLlamaBench('fail').path,
    ]);
    expect(json.code).toBe(0);
    // llama-bench failing leaves our figures standing, with its reason next to them.
    expect(BenchRecordSchema.parse(JSON.parse(json.stdout)).llamaBench).toMatchObject({
      pp: null,
      tg: null,
      error: expect.stringMatching(/exited with 1: error: failed to load model/),
    });
  }, 90_000);

  it.each([
    [['bench'], /bench needs one model/],
    [['bench', '/etc/hostname.gguf'], /no file at/],
    [['bench', '/etc/hostname', '-p', '64'], /not a GGUF|no file/i],
    [['bench', 'no-such-model-name'], /not a file and not among/],
    [['bench', '/x.gguf', '-p', '0'], /-p "0" must be a whole number/],
    [['bench', '/x.gguf', '-o', 'xml'], /-o "xml" must be md, csv or json/],
    [['bench', '/x.gguf', '--llama-bench-bin', '/no/such/llama-bench'], /"\/no\/such\/llama-bench" is not an executable llama-bench/],
  ])('%j gets a clear message and a non-zero exit, and nothing is saved', async (args, message) => {
    const res = await runCli(args);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(message);
  });
});
