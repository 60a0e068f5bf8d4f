// `rightsize estimate --n-cpu-moe N`: llama.cpp's flag, from the command line through the real service
// (in process, what-if hardware, so no GPU and no model file are needed).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index';
import { EstimateResultSchema, type EstimateResult } from '../../src/shared/schema';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const env = {
    ...process.env,
    NO_COLOR: '1',
    RIGHTSIZE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'rightsize-cache-')),
    RIGHTSIZE_DATA_DIR: mkdtempSync(join(tmpdir(), 'rightsize-data-')),
    RIGHTSIZE_NO_BACKGROUND_REFRESH: '1',
  };
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTTY: false, env });
  return { code, stdout, stderr };
}

const base = ['estimate', 'qwen3-30b-a3b', '--quant', 'Q4_K_M', '--ctx', '4096', '--gpu', 'RTX 3060', '--ram', '64GiB'];
const estimate = async (extra: string[]): Promise<EstimateResult> => {
  const res = await cli([...base, ...extra, '--json']);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return EstimateResultSchema.parse(JSON.parse(res.stdout));
};

describe('rightsize estimate --n-cpu-moe', () => {
  it('keeps the experts of the first N blocks in RAM, as llama.cpp does, and says so', async () => {
    const plain = await estimate(['--gpu-layers', '49']);
    const e = await estimate(['--gpu-layers', '49', '--n-cpu-moe', '30']);
    expect(e.settings.nCpuMoe).toBe(30);
    expect(e.cpuMoeLayers).toBe(30);
    expect(e.gpuLayers).toBe(49);
    // 30 of 48 blocks' experts (about 17 GiB of 18 in all at Q4_K_M, a little more for Q6_K downs) leave the GPU.
    const moved = plain.devices.gpu.weightsBytes - e.devices.gpu.weightsBytes;
    expect(moved).toBe(e.devices.cpu.weightsBytes - plain.devices.cpu.weightsBytes);
    expect(moved / plain.devices.gpu.weightsBytes).toBeGreaterThan(0.55);
    expect(moved / plain.devices.gpu.weightsBytes).toBeLessThan(0.62);
    expect(e.devices.gpu.kvBytes).toBe(plain.devices.gpu.kvBytes);
    expect(e.fit).toBe('partial');
    expect(e.why).toContain('--n-cpu-moe 30');
    const text = await cli([...base, '--gpu-layers', '49', '--n-cpu-moe', '30']);
    expect(text.stdout).toContain('experts of the first 30 blocks in RAM');
    expect(text.stdout).toContain('-ngl 49 --n-cpu-moe 30');
  });

  it('auto: an MoE too large for the GPU gets every layer there with the fewest experts in RAM that fit, when faster', async () => {
    const e = await estimate([]);
    expect(e.settings.nCpuMoe).toBeUndefined();
    expect(e.gpuLayers).toBe(49);
    expect(e.cpuMoeLayers).toBeGreaterThan(0);
    expect(e.devices.gpu.totalBytes).toBeLessThanOrEqual(e.budget.gpuBytes);
    expect(e.why).toMatch(/Chosen as the faster: ~[\d.]+ tok\/s with the experts of \d+ blocks in RAM/);
  });

  it.each([['-1'], ['two'], ['1.5']])('--n-cpu-moe=%s is a usage error', async (value) => {
    const res = await cli([...base, `--n-cpu-moe=${value}`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--n-cpu-moe .* must be a whole number/);
  });
});
