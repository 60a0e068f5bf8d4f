// Intel GPUs read gpt-oss's MXFP4 experts at about 0.2 of their generation rate (SYCL and Vulkan alike): an Arc Pro
// B70's gpt-oss-20b ran at 50.4 tok/s on SYCL, an Arc Pro B50's at 21.9 (SYCL) and 19.9 (Vulkan), while the B70's
// Llama 3.1 8B and Qwen3-30B-A3B rows read as their bandwidth gives (bench/data/gpu-moe-tg.json).
import { describe, expect, it } from 'vitest';
import { computeTarget } from '../../src/core/budget';
import { LINK_PRESETS, planPool } from '../../src/core/pool';
import { catalogModelAt, sizeModel } from '../../src/core/report';
import { loadCatalog } from '../../src/node/resources';
import type { Precision } from '../../src/shared/precision';
import { planGpu } from '../helpers/what-if';

const plan = (gpuName: string) => planGpu(gpuName, 64);
const model = (id: string, precision: Precision) => {
  const entry = loadCatalog().find((m) => m.id === id);
  if (!entry) throw new Error(`${id} is in the catalog`);
  return catalogModelAt(entry, precision);
};
const row = (gpuName: string, id: string, precision: Precision) => {
  const hw = plan(gpuName);
  return sizeModel(model(id, precision), hw, computeTarget(hw), { contextTokens: 4096, kvType: 'f16' }).row;
};

describe('MXFP4 on Intel GPUs', () => {
  it("reads gpt-oss-20b's MXFP4 experts at 0.2 of the rate on an Arc Pro B70 and B50, and says so", () => {
    const b70 = row('Intel Arc Pro B70', 'gpt-oss-20b', 'Q8_0');
    expect(b70.fit).toBe('gpu');
    expect((b70.tokPerSec ?? 0) / 50.38).toBeGreaterThan(0.85);
    expect((b70.tokPerSec ?? 0) / 50.38).toBeLessThan(1.15);
    expect(b70.speedSource?.detail).toMatch(/of it MXFP4, which Intel's GPU kernels read at 0\.2 of that rate/);
    const b50 = row('Intel Arc Pro B50', 'gpt-oss-20b', 'Q8_0');
    expect((b50.tokPerSec ?? 0) / 21.88).toBeGreaterThan(0.8);
    expect((b50.tokPerSec ?? 0) / 21.88).toBeLessThan(1.2);
  });

  it('leaves the other types on Intel, and MXFP4 on other vendors, as they were', () => {
    const llama = row('Intel Arc Pro B70', 'llama-3.1-8b', 'Q4_K_M');
    expect(llama.speedSource?.detail).not.toMatch(/MXFP4/);
    expect((llama.tokPerSec ?? 0) / 88.49).toBeGreaterThan(0.85);
    const nvidia = row('RTX 4090', 'gpt-oss-20b', 'Q8_0');
    expect(nvidia.speedSource?.detail).not.toMatch(/MXFP4/);
  });

  it('a pool plan reads the MXFP4 bytes on an Intel device as slowly as the single machine does', () => {
    const node = (name: string) => ({ name, host: name, hardware: plan('Intel Arc Pro B70') });
    const alone = planPool([node('A')], model('gpt-oss-20b', 'Q8_0'), 4096, 'f16', LINK_PRESETS['10GbE']);
    const single = row('Intel Arc Pro B70', 'gpt-oss-20b', 'Q8_0');
    expect(alone.tokPerSec / (single.tokPerSec ?? 0)).toBeGreaterThan(0.95);
    expect(alone.tokPerSec / (single.tokPerSec ?? 0)).toBeLessThan(1.05);
  });
});
