// `rightsize finetune` through the real service with a fake detection (an RTX 4090 24 GB desktop):
// the model resolved from the catalog or a bare count, the fit on this machine, the plan on a
// preset, printed with how each figure was computed or as JSON valid against the schema.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FinetuneResultSchema } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot, rtx4090 } from '../helpers/hardware';
import { runCliInProcess, type CliResult } from '../helpers/in-process-cli';

const root = mkdtempSync(join(tmpdir(), 'rightsize-finetune-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const detected = makeSnapshot({ ramBytes: 64 * GiB, gpus: [rtx4090()] });

const cli = (args: string[]): Promise<CliResult> => runCliInProcess(args, detected, root);

describe('rightsize finetune', () => {
  it('QLoRA of Llama 3.1 8B fits this RTX 4090 and is planned on it, each figure with its rule', async () => {
    const { code, stdout, stderr } = await cli([
      'finetune',
      'llama-3.1-8b',
      '--method',
      'qlora',
      '--price-per-gpu-hour',
      '0.7',
      '--currency',
      'USD',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('QLoRA (rank 16), 2048 tokens x batch 1, 100M tokens');
    expect(stdout).toMatch(/This machine \(22\.\d GiB usable on its GPUs\): fits with gradient checkpointing/);
    // The machine's GPU matched its preset: the plan is on it, with the whitepaper's dense peak.
    expect(stdout).toContain('On NVIDIA GeForce RTX 4090');
    expect(stdout).toMatch(/GPUs needed +│ 1 x 24\.0 GiB/);
    expect(stdout).toMatch(/Cost +│ \d+\.\d\d USD/);
    expect(stdout).toContain('How each figure was computed');
    expect(stdout).toContain('NF4 with double-quantized constants');
    expect(stdout).toContain('Korthikanti et al. 2022');
    expect(stdout).toContain('4·N·D + 6·A·D');
  });

  it('full fine-tuning of Llama 3.1 8B on H100s as JSON: 16 bytes per parameter, 2 GPUs, time, energy, cost', async () => {
    const { code, stdout } = await cli([
      'finetune',
      'llama-3.1-8b',
      '--method',
      'full',
      '--gpu',
      'H100 SXM',
      '--price-per-gpu-hour',
      '3',
      '--json',
    ]);
    expect(code).toBe(0);
    const result = FinetuneResultSchema.parse(JSON.parse(stdout));
    // 8.03e9 x 16 B = 128.5 GB of states; that alone is over the 4090's 22 GiB usable.
    expect(result.memory.states.value).toBeCloseTo(8.03e9 * 16, -6);
    expect(result.machine.fitsWithCheckpointing).toBe(false);
    // 130.3 GB with checkpointing / (79.6 GiB x 90%) = 1.7 -> 2 GPUs.
    expect(result.gpu).toMatchObject({ presetId: 'nvidia-h100-sxm', gpusUsed: 2 });
    expect(result.gpu?.gpusNeeded.value).toBe(2);
    // 8 x 8.03e9 x 1e8 = 6.42e18 FLOPs (with the recomputed forward) / (2 x 989e12 x 0.4) = 8,120 s = 2.26 h.
    expect(result.gpu?.flops.value).toBeCloseTo(8 * 8.03e9 * 1e8, -15);
    expect((result.gpu?.days?.value ?? 0) * 24).toBeCloseTo(2.26, 1);
    expect(result.gpu?.powerKw?.value).toBe(1.4);
    expect(result.gpu?.cost?.how).toMatch(/GPU-hours x 3 per GPU-hour/);
    // The default 40% of peak says where it comes from.
    expect(result.notes.some((n) => n.includes('40% of peak') && n.includes('Llama 3 Herd of Models'))).toBe(true);
    const measured = await cli(['finetune', 'llama-3.1-8b', '--method', 'full', '--gpu', 'H100 SXM', '--efficiency', '0.5', '--json']);
    expect(FinetuneResultSchema.parse(JSON.parse(measured.stdout)).notes.join(' ')).not.toContain('Llama 3 Herd');
  });

  it('a bare count sizes full training only, and the flags are checked', async () => {
    const bare = await cli(['finetune', '175B', '--method', 'full', '--gpu', 'V100 SXM2 32GB', '--tokens', '300B', '--json']);
    expect(bare.code).toBe(0);
    const result = FinetuneResultSchema.parse(JSON.parse(bare.stdout));
    // 175e9 x 16 B = 2.8 TB of states, no activations (no shape); 2.8e12 / (32 GiB x 90%) = 90.5 -> 91.
    expect(result.memory.totalWithCheckpointing.value).toBe(2.8e12);
    expect(result.memory.activationsWithCheckpointing).toBeNull();
    expect(result.gpu?.gpusNeeded.value).toBe(91);
    expect(result.gpu?.peakTflops?.value).toBe(125);

    const lora = await cli(['finetune', '175B', '--method', 'lora']);
    expect(lora.code).toBe(2);
    expect(lora.stderr).toContain('only a parameter count');
    const noMethod = await cli(['finetune', 'llama-3.1-8b']);
    expect(noMethod.code).toBe(2);
    expect(noMethod.stderr).toContain('--method is one of full, lora, qlora');
    const badGpu = await cli(['finetune', 'llama-3.1-8b', '--method', 'lora', '--gpu', 'Voodoo 2']);
    expect(badGpu.code).toBe(2);
    expect(badGpu.stderr).toContain('No GPU preset matches "Voodoo 2"');
    // A short name several presets share is not settled silently: their VRAM and peaks differ.
    const ambiguous = await cli(['finetune', 'llama-3.1-8b', '--method', 'lora', '--gpu', 'A100']);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/"A100" could be 4 GPU presets: .*nvidia-a100-80gb-sxm/);
    const named = await cli(['finetune', 'llama-3.1-8b', '--method', 'lora', '--gpu', 'RTX 4090', '--json']);
    expect(FinetuneResultSchema.parse(JSON.parse(named.stdout)).gpu?.presetId).toBe('nvidia-rtx-4090');
    const badTokens = await cli(['finetune', 'llama-3.1-8b', '--method', 'lora', '--tokens', 'lots']);
    expect(badTokens.code).toBe(2);
    expect(badTokens.stderr).toContain('--tokens "lots" must be a positive number');
  });

  it("a GPU that shares its machine's memory is planned with what its GPU may use in that machine: a 70B QLoRA on a DGX Spark", async () => {
    const spark = await cli(['finetune', 'llama-3.1-70b', '--method', 'qlora', '--gpu', 'DGX Spark', '--json']);
    expect(spark.code, spark.stderr).toBe(0);
    const result = FinetuneResultSchema.parse(JSON.parse(spark.stdout));
    // 95% of the DGX Spark preset's 128 GiB; a 70B QLoRA (about 43 GiB with checkpointing) takes one.
    expect(result.gpu?.vramBytes).toBe(Math.round(128 * GiB * 0.95));
    expect(result.gpu?.gpusNeeded.value).toBe(1);
    expect(result.notes.join(' ')).toMatch(
      /shares the machine's memory: each counts as 121\.6 GiB, 95% of the 128\.0 GiB in the NVIDIA DGX Spark .* preset/,
    );
    // A unified GPU no machine preset holds cannot be sized alone: the error says how to plan one.
    const alone = await cli(['finetune', 'llama-3.1-8b', '--method', 'lora', '--gpu', 'Jetson Orin NX']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--machine ID) and use --profile NAME');
  });
});
