// Vision projectors (mmproj*.gguf): found next to their model, sized from their header (weights
// exact, one image's compute estimated from clip.cpp's warmup), and added to the model's memory on
// the device llama.cpp puts them on, through the real service and CLI.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatModels } from '../../src/cli/format/models';
import { ggmlType } from '../../src/core/ggml';
import { GgufValueType } from '../../src/core/gguf-types';
import { discoverModels } from '../../src/node/models/discovery';
import { findProjector, sizeProjector } from '../../src/node/models/projector';
import { createService } from '../../src/node/service';
import { EstimateResultSchema, type EstimateResult, type HardwareSnapshot } from '../../src/shared/schema';
import { GiB, MiB } from '../../src/shared/units';
import { buildGguf, type GgufTestKv } from '../helpers/gguf-bytes';
import { makeGpu, makeSnapshot } from '../helpers/hardware';
import { runCliInProcess } from '../helpers/in-process-cli';

const STORIES = join(import.meta.dirname, '../../../shared/models/stories260K.gguf');
const F16 = ggmlType('F16').id;
const Q8_0 = ggmlType('Q8_0').id;

/** Tensors named and typed as convert_hf_to_gguf writes a SigLIP projector, at small widths (the keys drive the compute estimate). */
const E = 64;
const FF = 256;
const BLOCKS = 2;
const TEXT_EMBD = 128;
function clipTensors(): Array<{ name: string; dims: number[]; type?: number; bytes: number }> {
  const f32 = (name: string, dims: number[]) => ({ name, dims, bytes: dims.reduce((a, d) => a * d, 1) * 4 });
  const f16 = (name: string, dims: number[]) => ({ name, dims, type: F16, bytes: dims.reduce((a, d) => a * d, 1) * 2 });
  const q8 = (name: string, dims: number[]) => ({ name, dims, type: Q8_0, bytes: (dims.reduce((a, d) => a * d, 1) / 32) * 34 });
  const tensors = [f16('v.patch_embd.weight', [14, 14, 3, E]), f32('v.patch_embd.bias', [E]), f32('v.position_embd.weight', [E, 256])];
  for (let i = 0; i < BLOCKS; i++) {
    for (const t of ['attn_q', 'attn_k', 'attn_v', 'attn_out'])
      tensors.push(f16(`v.blk.${i}.${t}.weight`, [E, E]), f32(`v.blk.${i}.${t}.bias`, [E]));
    for (const t of ['ln1', 'ln2']) tensors.push(f32(`v.blk.${i}.${t}.weight`, [E]), f32(`v.blk.${i}.${t}.bias`, [E]));
    tensors.push(q8(`v.blk.${i}.ffn_up.weight`, [E, FF]), f32(`v.blk.${i}.ffn_up.bias`, [FF]));
    tensors.push(q8(`v.blk.${i}.ffn_down.weight`, [FF, E]), f32(`v.blk.${i}.ffn_down.bias`, [E]));
  }
  tensors.push(f32('v.post_ln.weight', [E]), f32('v.post_ln.bias', [E]));
  tensors.push(f16('mm.input_projection.weight', [TEXT_EMBD, E]), f32('mm.soft_emb_norm.weight', [E]));
  return tensors;
}

/** A gemma3-style clip GGUF: real keys (image 896, patch 14, SigLIP-so400m widths), small tensors. */
function clipKv(overrides: Record<string, GgufTestKv> = {}): GgufTestKv[] {
  const kv: Record<string, GgufTestKv> = {
    'general.architecture': ['general.architecture', GgufValueType.STRING, 'clip'],
    'clip.projector_type': ['clip.projector_type', GgufValueType.STRING, 'gemma3'],
    'clip.has_vision_encoder': ['clip.has_vision_encoder', GgufValueType.BOOL, true],
    'clip.vision.image_size': ['clip.vision.image_size', GgufValueType.UINT32, 896],
    'clip.vision.patch_size': ['clip.vision.patch_size', GgufValueType.UINT32, 14],
    'clip.vision.embedding_length': ['clip.vision.embedding_length', GgufValueType.UINT32, 1152],
    'clip.vision.feed_forward_length': ['clip.vision.feed_forward_length', GgufValueType.UINT32, 4304],
    'clip.vision.block_count': ['clip.vision.block_count', GgufValueType.UINT32, 27],
    'clip.vision.attention.head_count': ['clip.vision.attention.head_count', GgufValueType.UINT32, 16],
    'clip.vision.projection_dim': ['clip.vision.projection_dim', GgufValueType.UINT32, 2560],
    ...overrides,
  };
  return Object.values(kv);
}

function writeClip(path: string, overrides: Record<string, GgufTestKv> = {}): number {
  const tensors = clipTensors();
  writeFileSync(path, buildGguf({ kv: clipKv(overrides), tensors }));
  return tensors.reduce((sum, t) => sum + t.bytes, 0);
}

/** A folder with stories260K as `modelName` and, optionally, projectors beside it. */
function modelFolder(
  modelName = 'gemma-3-4b-it-Q4_K_M.gguf',
  projectors: string[] = ['mmproj-gemma-3-4b-it-f16.gguf'],
): { dir: string; model: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rightsize-mmproj-'));
  const model = join(dir, modelName);
  copyFileSync(STORIES, model);
  for (const name of projectors) writeClip(join(dir, name));
  return { dir, model };
}

async function estimate(snapshot: HardwareSnapshot, input: Record<string, unknown>): Promise<EstimateResult> {
  const root = mkdtempSync(join(tmpdir(), 'rightsize-svc-'));
  const service = createService({
    face: 'cli',
    detect: async () => snapshot,
    discover: async () => ({ models: [], searched: [] }),
    dataDir: join(root, 'data'),
    cacheDir: join(root, 'cache'),
    autoProbe: false,
  });
  return EstimateResultSchema.parse(await service.call('estimate', { contextTokens: 256, ...input }));
}

const withGpu = (vramBytes = 8 * GiB): HardwareSnapshot => makeSnapshot({ gpus: [makeGpu({ name: 'Test GPU', vramBytes })] });

describe('sizeProjector', () => {
  it('sums the exact bytes of every tensor by its type, and estimates one image as clip.cpp reserves it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rightsize-mmproj-'));
    const path = join(dir, 'mmproj-model-f16.gguf');
    const expected = writeClip(path);
    const size = await sizeProjector(path);
    expect(size.projectorType).toBe('gemma3');
    expect(size.weightsBytes).toBe(expected);
    expect(size.weightsSource.kind).toBe('detected');
    // 896 / 14 = 64 x 64 patches x (4304 + 3 x 1152) x 4 bytes: 121.25 MiB, what clip.cpp built from this llama.cpp reserved.
    expect(size.warmup).toEqual({ imageSide: 896, patches: 4096 });
    expect(size.computeBytes).toBe(121.25 * MiB);
    expect(size.computeSource.kind).toBe('estimated');
    expect(size.computeSource.detail).toContain('4096 patches x (4304 feed-forward + 3 x 1152 embedding) x 4 bytes');
  });

  it('uses the warmup size clip.cpp caps a projector type at (Qwen2.5-VL: 46 x 46 tokens of 2 x 2 patches)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rightsize-mmproj-'));
    const path = join(dir, 'mmproj-qwen.gguf');
    writeClip(path, {
      'clip.projector_type': ['clip.projector_type', GgufValueType.STRING, 'qwen2.5vl_merger'],
      'clip.vision.embedding_length': ['clip.vision.embedding_length', GgufValueType.UINT32, 1280],
      'clip.vision.feed_forward_length': ['clip.vision.feed_forward_length', GgufValueType.UINT32, 3420],
    });
    const size = await sizeProjector(path);
    expect(size.warmup).toEqual({ imageSide: 46 * 2 * 14, patches: 92 * 92 });
    expect(size.computeBytes).toBe(92 * 92 * (3420 + 3 * 1280) * 4);
  });

  it('refuses a file that is not a clip projector, saying what --mmproj needs', async () => {
    await expect(sizeProjector(STORIES)).rejects.toThrow(/not a vision projector: its general.architecture is "llama".*"clip"/);
  });
});

describe('findProjector', () => {
  it('takes the mmproj next to the model; of several, the one sharing the most words with its name, and says which', async () => {
    const { dir, model } = modelFolder('gemma-3-4b-it-Q4_K_M.gguf', ['mmproj-qwen2.5-vl-7b-f16.gguf', 'mmproj-gemma-3-4b-it-f16.gguf']);
    const found = await findProjector(model);
    expect(found?.path).toBe(join(dir, 'mmproj-gemma-3-4b-it-f16.gguf'));
    expect(found?.reason).toContain('others: mmproj-qwen2.5-vl-7b-f16.gguf');
    const alone = modelFolder('model.gguf', ['mmproj-model-f16.gguf']);
    expect((await findProjector(alone.model))?.reason).toBe('the only mmproj file next to model.gguf');
    expect(await findProjector(modelFolder('model.gguf', []).model)).toBeNull();
  });

  it('in a Hugging Face cache, finds the mmproj fetched into another snapshot of the same repository, never of another one', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'rightsize-hf-'));
    const repo = join(cache, 'models--google--gemma-3-4b-it-GGUF', 'snapshots');
    const other = join(cache, 'models--Qwen--Qwen2.5-VL-7B-GGUF', 'snapshots', 'c3');
    mkdirSync(join(repo, 'a1'), { recursive: true });
    mkdirSync(join(repo, 'b2'), { recursive: true });
    mkdirSync(other, { recursive: true });
    const model = join(repo, 'a1', 'gemma-3-4b-it-Q4_K_M.gguf');
    copyFileSync(STORIES, model);
    writeClip(join(other, 'mmproj-qwen2.5-vl-7b-f16.gguf'));
    expect(await findProjector(model)).toBeNull();
    writeClip(join(repo, 'b2', 'mmproj-gemma-3-4b-it-f16.gguf'));
    const found = await findProjector(model);
    expect(found?.path).toBe(join(repo, 'b2', 'mmproj-gemma-3-4b-it-f16.gguf'));
    expect(found?.reason).toBe('the only mmproj file in another download of the same Hugging Face repository (snapshot b2)');
    // One next to the model still wins over another snapshot's.
    writeClip(join(repo, 'a1', 'mmproj-F16.gguf'));
    expect((await findProjector(model))?.path).toBe(join(repo, 'a1', 'mmproj-F16.gguf'));
  });
});

describe('estimate --mmproj', () => {
  it('puts the projector on the GPU by default, in its totals, and fits the model to what is left', async () => {
    const { model } = modelFolder();
    const plain = await estimate(withGpu(), { model });
    const e = await estimate(withGpu(), { model, mmproj: 'auto' });
    const p = e.projector;
    expect(p?.device).toBe('gpu');
    expect(p?.projectorType).toBe('gemma3');
    const bytes = (p?.weightsBytes ?? 0) + (p?.computeBytes ?? 0);
    expect(e.devices.gpu.totalBytes).toBe(plain.devices.gpu.totalBytes + bytes);
    expect(e.devices.gpu.computeBytes).toBe(plain.devices.gpu.computeBytes + (p?.computeBytes ?? 0));
    expect(e.devices.cpu.totalBytes).toBe(plain.devices.cpu.totalBytes);
    expect(e.totalBytes).toBe(plain.totalBytes + bytes);
    expect(e.budget.gpuBytes).toBe(plain.budget.gpuBytes - bytes);
    expect(e.why).toContain('vision projector');
    expect(plain.projector).toBeNull();
  });

  it('--no-mmproj-offload keeps it in RAM; a machine without a GPU does too', async () => {
    const { model } = modelFolder();
    const plain = await estimate(withGpu(), { model });
    const e = await estimate(withGpu(), { model, mmproj: 'auto', mmprojOffload: false });
    const bytes = (e.projector?.weightsBytes ?? 0) + (e.projector?.computeBytes ?? 0);
    expect(e.projector?.device).toBe('cpu');
    expect(e.devices.cpu.totalBytes).toBe(plain.devices.cpu.totalBytes + bytes);
    expect(e.devices.gpu.totalBytes).toBe(plain.devices.gpu.totalBytes);
    expect(e.budget.ramBytes).toBe(plain.budget.ramBytes - bytes);
    const cpuOnly = await estimate(makeSnapshot(), { model, mmproj: 'auto' });
    expect(cpuOnly.projector?.device).toBe('cpu');
  });

  it('a GPU that holds the model alone no longer holds it whole with the projector', async () => {
    const { model } = modelFolder();
    const big = await estimate(withGpu(), { model, mmproj: 'auto' });
    const projectorBytes = (big.projector?.weightsBytes ?? 0) + (big.projector?.computeBytes ?? 0);
    const modelGpuBytes = big.devices.gpu.totalBytes - projectorBytes;
    // 512 MiB of headroom below 10 GiB of VRAM: usable = model + half the projector.
    const tight = withGpu(512 * MiB + modelGpuBytes + Math.round(projectorBytes / 2));
    const plain = await estimate(tight, { model });
    expect(plain.fit).toBe('gpu');
    const e = await estimate(tight, { model, mmproj: 'auto' });
    expect(e.fit).not.toBe('gpu');
    expect(e.gpuLayers).toBeLessThan(plain.gpuLayers);
  });

  it('says when auto finds no projector, and how to pass one', async () => {
    const { model } = modelFolder('model.gguf', []);
    await expect(estimate(withGpu(), { model, mmproj: 'auto' })).rejects.toThrow(
      /No vision projector \(mmproj\*\.gguf\) found next to model\.gguf.*--mmproj PATH/,
    );
  });
});

describe('rightsize estimate --mmproj and rightsize models', () => {
  it('prints a Vision projector line with the file, type, weights, compute and device', async () => {
    const { dir, model } = modelFolder();
    const root = mkdtempSync(join(tmpdir(), 'rightsize-cli-'));
    const gpu = await runCliInProcess(['estimate', model, '--ctx', '256', '--mmproj', 'auto'], withGpu(), root);
    expect(gpu.stderr).toBe('');
    expect(gpu.code).toBe(0);
    expect(gpu.stdout).toMatch(
      /Vision projector .*mmproj-gemma-3-4b-it-f16\.gguf {2}\(gemma3\): weights [\d.]+ [KM]iB \+ compute 121(\.\d+)? MiB on the GPU/,
    );
    const cpu = await runCliInProcess(
      ['estimate', model, '--ctx', '256', '--mmproj', join(dir, 'mmproj-gemma-3-4b-it-f16.gguf'), '--no-mmproj-offload'],
      withGpu(),
      root,
    );
    expect(cpu.stdout).toMatch(/Vision projector .* on the CPU \/ RAM/);
    expect(cpu.stdout).toContain('given with --mmproj');
    const wrong = await runCliInProcess(['estimate', model, '--mmproj', STORIES], withGpu(), root);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('is not a vision projector');
  });

  it('lists a model with the projector beside it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'rightsize-home-'));
    const { dir } = modelFolder();
    mkdirSync(join(dir, 'other'));
    copyFileSync(STORIES, join(dir, 'other', 'plain.gguf'));
    const found = await discoverModels({ home, env: {}, platform: 'linux', extraFolders: [dir] });
    const gemma = found.models.find((m) => m.displayName === 'gemma-3-4b-it-Q4_K_M');
    expect(gemma?.mmproj?.path).toBe(join(dir, 'mmproj-gemma-3-4b-it-f16.gguf'));
    expect(gemma?.mmproj?.bytes).toBeGreaterThan(0);
    expect(found.models.find((m) => m.displayName === 'plain')?.mmproj).toBeUndefined();
    expect(formatModels(found, false)).toContain(`+ vision projector`);
  });
});

describe('Ollama vision models', () => {
  /** An Ollama store holding stories260K as `gemma3:4b` with a projector layer, as `ollama pull` writes a vision model. */
  function ollamaStore(withProjector: boolean): string {
    const home = mkdtempSync(join(tmpdir(), 'rightsize-ollama-'));
    const models = join(home, '.ollama', 'models');
    const blobs = join(models, 'blobs');
    mkdirSync(blobs, { recursive: true });
    const put = (data: Buffer): string => {
      const digest = createHash('sha256').update(data).digest('hex');
      writeFileSync(join(blobs, `sha256-${digest}`), data);
      return `sha256:${digest}`;
    };
    const clipPath = join(home, 'clip.gguf');
    writeClip(clipPath);
    const layers = [{ mediaType: 'application/vnd.ollama.image.model', digest: put(readFileSync(STORIES)) }];
    if (withProjector) layers.push({ mediaType: 'application/vnd.ollama.image.projector', digest: put(readFileSync(clipPath)) });
    const manifestDir = join(models, 'manifests', 'registry.ollama.ai', 'library', 'gemma3');
    mkdirSync(manifestDir, { recursive: true });
    writeFileSync(join(manifestDir, '4b'), JSON.stringify({ schemaVersion: 2, layers }));
    return home;
  }

  it("pairs the model with its manifest's projector layer, and --mmproj auto sizes that one", async () => {
    const home = ollamaStore(true);
    const found = await discoverModels({ home, env: {}, platform: 'linux' });
    const gemma = found.models.find((m) => m.displayName === 'gemma3:4b');
    expect(gemma?.mmproj?.path).toMatch(/blobs\/sha256-[0-9a-f]{64}$/);
    const root = mkdtempSync(join(tmpdir(), 'rightsize-svc-'));
    const service = createService({
      face: 'cli',
      detect: async () => withGpu(),
      discover: async () => found,
      dataDir: join(root, 'data'),
      cacheDir: join(root, 'cache'),
      autoProbe: false,
    });
    const e = EstimateResultSchema.parse(await service.call('estimate', { model: 'gemma3:4b', contextTokens: 256, mmproj: 'auto' }));
    expect(e.projector?.projectorType).toBe('gemma3');
    expect(e.projector?.path).toBe(gemma?.mmproj?.path);
    expect(e.projector?.chosen).toContain('paired with gemma3:4b in ollama');
    // Without a projector layer, auto looks next to the blob, finds none and says how to pass one.
    const plain = await discoverModels({ home: ollamaStore(false), env: {}, platform: 'linux' });
    const other = createService({
      face: 'cli',
      detect: async () => withGpu(),
      discover: async () => plain,
      dataDir: join(root, 'data2'),
      cacheDir: join(root, 'cache2'),
      autoProbe: false,
    });
    await expect(other.call('estimate', { model: 'gemma3:4b', contextTokens: 256, mmproj: 'auto' })).rejects.toThrow(/--mmproj PATH/);
  });
});
