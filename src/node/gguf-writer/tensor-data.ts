// The data section of a model file: left as holes (sparse), written as zeros, seeded random
// weights, or fast noise, each tensor padded to the alignment.
import { randomFillSync } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ggmlType } from '../../core/ggml';
import type { TensorSpec } from '../../core/tensors';
import type { PlannedTensor } from './layout';
import { Rng, toBf16Bits, toHalfBits } from './random-bits';

/**
 * sparse: header only, the file extended to full size with holes (tensor data reads as zeros).
 * random: seeded small random weights (finite scales for every quant block), norms near 1.
 * zeros: tensor data written out as zero bytes (allocated on disk).
 * noise: like random but unseeded and fast (the OS's random bytes, scales fixed up): for speed
 * probes that need hundreds of MB of real, non-zero data in well under a second.
 */
export type GgufDataMode = 'sparse' | 'random' | 'zeros' | 'noise';

/** Where each quant block keeps its fp16 scales, and the scale that gives weights of about N(0, 0.02). */
interface BlockScales {
  /** Byte offsets of fp16 `d`-like fields and their typical magnitudes. */
  readonly fields: readonly (readonly [offset: number, magnitude: number])[];
}

// Magnitudes: d (and dmin) such that the decoded weights have a spread of about 0.02 given uniform
// random quants and sub-block scales (see dequantize_row_* in ggml/src/ggml-quants.c; checked with
// gguf-py's dequantize). Negative magnitudes are the additive minimum of Q4_1/Q5_1 (x = d*q + m).
const BLOCK_SCALES: Record<string, BlockScales> = {
  Q4_0: { fields: [[0, 0.0043]] },
  Q4_1: {
    fields: [
      [0, 0.0035],
      [2, -0.026],
    ],
  },
  Q5_0: { fields: [[0, 0.0022]] },
  Q5_1: {
    fields: [
      [0, 0.0018],
      [2, -0.028],
    ],
  },
  Q8_0: { fields: [[0, 0.00027]] },
  Q2_K: {
    fields: [
      [80, 0.0012],
      [82, 0.0018],
    ],
  }, // scales[16] qs[64] d dmin
  Q3_K: { fields: [[108, 0.00047]] }, // hmask[32] qs[64] scales[12] d
  Q4_K: {
    fields: [
      [0, 0.00007],
      [2, 0.0005],
    ],
  }, // d dmin scales[12] qs[128]
  Q5_K: {
    fields: [
      [0, 0.000035],
      [2, 0.00055],
    ],
  }, // d dmin scales[12] qh[32] qs[128]
  Q6_K: { fields: [[208, 0.000015]] }, // ql[128] qh[64] scales[16] d
};

/**
 * Block types whose scale is one E8M0 byte (a power of two, 2^(e-127), halved when decoded): MXFP4's 32
 * 4-bit codes look up values of magnitude up to 12 (kvalues_mxfp4), so e = 119 (2^-9) gives |w| up to 0.023.
 */
const BYTE_SCALES: Record<string, { offset: number; exponent: number }> = { MXFP4: { offset: 0, exponent: 119 } };

/** Random codes with every block's E8M0 scale set near `exponent` (jitter: 0 or 1 below). */
function fixByteScales(buf: Buffer, blockBytes: number, scale: { offset: number; exponent: number }, jitter: () => number): void {
  for (let block = 0; block < buf.length; block += blockBytes) buf[block + scale.offset] = scale.exponent - jitter();
}

const CHUNK_BYTES = 4 << 20;

/** Fills `buf` (whole blocks of `type`) with valid random data for the tensor. */
function fillRandom(buf: Buffer, type: string, spec: TensorSpec, rng: Rng): void {
  const info = ggmlType(type);
  if (info.blockSize === 1) {
    const n = buf.length / info.blockBytes;
    const mean = spec.role === 'norm' ? 1 : 0;
    // The chunk is its own ArrayBuffer at offset 0 (Buffer.alloc), so typed views are aligned.
    if (type === 'F32') {
      const out = new Float32Array(buf.buffer, buf.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = mean + 0.02 * rng.normal();
    } else if ((type === 'F16' || type === 'BF16') && spec.role !== 'norm') {
      // Fast path for big matrices: random sign and mantissa, exponent giving |w| in [2^-7, 2^-5)
      // (about 0.008-0.03): built from raw bits, two values per random word, ~100x faster than
      // drawing normals, so a probe can write a few hundred MB of F16 in well under a second.
      const out = new Uint16Array(buf.buffer, buf.byteOffset, n);
      const half = type === 'F16';
      for (let i = 0; i < n; i += 2) {
        const r = rng.u32();
        for (let j = 0; j < 2 && i + j < n; j++) {
          const bits = j === 0 ? r & 0xffff : r >>> 16;
          const sign = bits & 0x8000;
          const expLow = (bits >>> 14) & 1;
          out[i + j] = half ? sign | ((8 + expLow) << 10) | (bits & 0x3ff) : sign | ((120 + expLow) << 7) | (bits & 0x7f);
        }
      }
    } else if (type === 'F16' || type === 'BF16') {
      const out = new Uint16Array(buf.buffer, buf.byteOffset, n);
      const convert = type === 'F16' ? toHalfBits : toBf16Bits;
      for (let i = 0; i < n; i++) out[i] = convert(mean + 0.02 * rng.normal());
    } else throw new Error(`Random data for ${type} is not supported.`);
    return;
  }
  const scales = BLOCK_SCALES[type];
  const byteScale = BYTE_SCALES[type];
  if (!scales && !byteScale) throw new Error(`Random data for ${type} is not supported (sparse and zeros are).`);
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = rng.u32();
  for (let i = words.length * 4; i < buf.length; i++) buf[i] = rng.u32() & 0xff;
  if (byteScale) {
    fixByteScales(buf, info.blockBytes, byteScale, () => rng.u32() & 1);
    return;
  }
  if (!scales) return;
  for (let block = 0; block < buf.length; block += info.blockBytes) {
    for (const [offset, magnitude] of scales.fields) {
      buf.writeUInt16LE(toHalfBits(magnitude * (0.5 + rng.next())), block + offset);
    }
  }
}

/** Fast non-deterministic fill: OS random bytes, then every block's fp16 scales made small and finite. */
function fillNoise(buf: Buffer, type: string, spec: TensorSpec, rng: Rng): void {
  const info = ggmlType(type);
  if (info.blockSize === 1 && type !== 'F16' && type !== 'BF16') {
    fillRandom(buf, type, spec, rng);
    return;
  }
  randomFillSync(buf);
  if (type === 'F16' || type === 'BF16') {
    const out = new Uint16Array(buf.buffer, buf.byteOffset, buf.length >>> 1);
    // Keep sign and mantissa, force a small exponent: |w| in [2^-7, 2^-5).
    if (type === 'F16')
      for (let i = 0; i < out.length; i++) out[i] = ((out[i] as number) & 0x83ff) | (((out[i] as number) & 0x4000 ? 9 : 8) << 10);
    else for (let i = 0; i < out.length; i++) out[i] = ((out[i] as number) & 0x807f) | (((out[i] as number) & 0x4000 ? 121 : 120) << 7);
    return;
  }
  const byteScale = BYTE_SCALES[type];
  if (byteScale) {
    fixByteScales(buf, info.blockBytes, byteScale, () => 0);
    return;
  }
  const scales = BLOCK_SCALES[type];
  if (!scales) throw new Error(`Noise data for ${type} is not supported (sparse and zeros are).`);
  const halves = scales.fields.map(([offset, magnitude]) => [offset, toHalfBits(magnitude)] as const);
  for (let block = 0; block < buf.length; block += info.blockBytes) {
    for (const [offset, half] of halves) buf.writeUInt16LE(half, block + offset);
  }
}

/**
 * Noise chunks by tensor type and role, filled once per file and written over and over: the OS's
 * random bytes come at a few hundred MB/s, and a probe writes 1-2 GB. Repeating a 4 MB pattern
 * changes nothing for the reader: every page is still its own page of memory.
 */
type NoiseChunks = Map<string, Buffer>;

async function writeTensorData(
  fh: FileHandle,
  start: number,
  t: PlannedTensor,
  mode: 'random' | 'zeros' | 'noise',
  rng: Rng,
  noiseChunks: NoiseChunks,
): Promise<void> {
  const info = ggmlType(t.type);
  const blocksPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / info.blockBytes));
  const totalBlocks = t.bytes / info.blockBytes;
  const noiseKey = `${t.type}:${t.spec.role === 'norm' ? 'norm' : 'matrix'}`;
  const reused = mode === 'noise' ? noiseChunks.get(noiseKey) : undefined;
  // A noise chunk is shared by every tensor of its type, so it is made full size; others fit the tensor.
  const chunk =
    reused ?? Buffer.from(new ArrayBuffer((mode === 'noise' ? blocksPerChunk : Math.min(totalBlocks, blocksPerChunk)) * info.blockBytes));
  if (mode === 'noise' && !reused) {
    fillNoise(chunk, t.type, t.spec, rng);
    noiseChunks.set(noiseKey, chunk);
  }
  let position = start + t.offset;
  for (let done = 0; done < totalBlocks;) {
    const blocks = Math.min(blocksPerChunk, totalBlocks - done);
    const view = chunk.subarray(0, blocks * info.blockBytes);
    if (mode === 'random') fillRandom(view, t.type, t.spec, rng);
    let written = 0;
    while (written < view.length) {
      const { bytesWritten } = await fh.write(view, written, view.length - written, position + written);
      written += bytesWritten;
    }
    position += view.length;
    done += blocks;
  }
}

/**
 * Writes every tensor's data after a header of `headerBytes`, unless the mode is sparse; the caller
 * extends the file to its full size, which leaves the unwritten data (and the last padding) as holes.
 */
export async function writeTensorSection(
  fh: FileHandle,
  headerBytes: number,
  tensors: readonly PlannedTensor[],
  mode: GgufDataMode,
  seed: number,
): Promise<void> {
  if (mode === 'sparse') return;
  const rng = new Rng(seed);
  const noiseChunks: NoiseChunks = new Map();
  for (const t of tensors) await writeTensorData(fh, headerBytes, t, mode, rng, noiseChunks);
}
