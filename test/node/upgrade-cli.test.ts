// `rightsize upgrade` through the real service with a fake detection: the model resolved from the
// catalog, sized on this machine and on the presets, printed or as JSON valid against the schema.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UpgradeAdviceSchema } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeGpu, makeSnapshot } from '../helpers/hardware';
import { runCliInProcess, type CliResult } from '../helpers/in-process-cli';

const root = mkdtempSync(join(tmpdir(), 'rightsize-upgrade-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An 8 GB card in a 32 GB desktop. */
const detected = makeSnapshot({
  ramBytes: 32 * GiB,
  gpus: [makeGpu({ name: '8 GB card', vramBytes: 8 * GiB, memoryBandwidthBytesPerSec: 272e9 })],
});

const cli = (args: string[]): Promise<CliResult> => runCliInProcess(args, detected, root);

describe('rightsize upgrade', () => {
  it('prints what this machine lacks for Llama 3.1 70B and the presets that run it, smallest first', async () => {
    const { code, stdout, stderr } = await cli(['upgrade', '--model', 'llama-3.1-70b', '--quant', 'Q4_K_M', '--ctx', '8k']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('This machine: 8 GB card (8.0 GiB), 32.0 GiB RAM');
    expect(stdout).toMatch(/Needs \d+\.\d GiB more VRAM for all 81 layers on the GPU/);
    expect(stdout).toMatch(/Mac Studio M3 Ultra, 96 GB +│ 96\.0 GiB shared with the GPU +│ GPU /);
    expect(stdout).toMatch(/Desktop: 2x RTX 3090 24 GB \+ 128 GB RAM +│ 48\.0 GiB VRAM \+ 128\.0 GiB RAM +│ GPU /);
    // The price column: a published figure with its kind and date, the source listed below the table.
    expect(stdout).toMatch(/Mac Studio M3 Ultra, 96 GB +│.*│ \$3,999 \(list, 2025-03-05\) cheapest +│/);
    expect(stdout).toMatch(/- Mac Studio M3 Ultra, 96 GB: \$3,999 \(list, 2025-03-05\), https:\/\/\S+/);
    expect(stdout).toMatch(/Ordered by size: the least VRAM \+ RAM first, then the fastest\./);
  });

  it('takes the model as an argument, --min-tps and --json, and answers what the schema says', async () => {
    const { code, stdout } = await cli(['upgrade', 'llama-3.1-70b', '--min-tps', '40', '--json']);
    expect(code).toBe(0);
    const advice = UpgradeAdviceSchema.parse(JSON.parse(stdout));
    expect(advice.minTokPerSec).toBe(40);
    expect(advice.model).toMatchObject({ id: 'llama-3.1-70b', quant: 'Q4_K_M', contextTokens: 8192 });
    expect(advice.candidates.length).toBeGreaterThan(0);
    for (const c of advice.candidates) expect(c.tokPerSec!).toBeGreaterThanOrEqual(40);
    expect(advice.candidates.some((c) => c.id === 'desktop-2x-rtx-3090-128gb')).toBe(false);
  });

  it('refuses a bad --min-tps and a missing model before asking the service', async () => {
    expect((await cli(['upgrade', 'llama-3.1-70b', '--min-tps', 'fast'])).stderr).toMatch(/--min-tps "fast" must be a number/);
    expect((await cli(['upgrade'])).stderr).toMatch(/upgrade needs one model/);
    expect((await cli(['upgrade', 'no-such-model-xyz'])).code).toBe(2);
  });
});
