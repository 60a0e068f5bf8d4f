// Prompt speed on the GPU. A GPU reads a prompt in batches, bound by its compute, not by its memory: a run of one
// model all on this GPU gives the rate it sustains, in FLOPs per second (pp512 x FLOPs per prompt token), and every
// other row all on the GPU reads its prompts at that rate. Without a run, a GPU with a published llama-bench run
// (resources/hardware/gpu-prompt-rates.json) reads at that run's rate, and one without reads at the rate its
// architecture's siblings reached per byte of bandwidth on the same backend (gpu-prompt-siblings.ts); other GPUs have no
// prompt speed: peak TFLOPS and llama.cpp's kernels (MMQ, Metal's simdgroup products, Vulkan's coopmat) are too far
// apart to estimate it from a datasheet.
import type { BenchRecord, Gpu, HardwareSnapshot, ReportRow } from '../shared/schema';
import { formatBytes, formatTokPerSec } from '../shared/units';
import { PROMPT_TOKENS } from '../shared/defaults';
import { median, recordedHere } from './bench-records';
import { promptAttentionWidth, type AttentionShape } from './prompt-attention';
import { elementCount, listTensors, type ModelShape } from './tensors';
import { DEFAULT_UBATCH_TOKENS } from './estimate';

/** What a row's prompt FLOPs depend on: its active parameters, its attention's shape, and its routed experts. */
export interface PromptWork {
  activeParamsB: number;
  /** Its attention (src/core/prompt-attention.ts); a record's kept work has layers, heads and head size only. */
  shape: AttentionShape;
  /**
   * An MoE's routed experts: the parameters of the ones a token uses (billions), how many there are, how many it uses,
   * and how many expert tensors the model has (absent: 3 per layer).
   */
  routed?: { paramsB: number; count: number; active: number; matrices?: number } | null;
  /**
   * A row split between the GPU and RAM: the weights in RAM each prompt micro-batch copies to the GPU
   * (Placement.promptUploadBytes). Absent: the row is all on the GPU, or not a row at all (a record's kept work).
   */
  hostUploadBytes?: number;
}

/**
 * How fast a prompt's micro-batch copies weights kept in RAM to the GPU. llama.cpp computes a product of 32 tokens or
 * more on the GPU even for a layer left in RAM (ggml-cuda's offload_op; Vulkan's and SYCL's alike), copying the weights
 * for every micro-batch, one after the other with the products: a row split between GPU and RAM reads its prompt at the
 * GPU's rate plus this copy. Measured as the slope of published pp runs over -ngl: 13.6 GiB/s on an RTX 4080 (PCIe 4.0
 * x16) from mmap'd weights, the default (ik_llama.cpp issue 255: Qwen2.5 32B Q4_K_M, pp2048 703 t/s at -ngl 0 to 1,031
 * at -ngl 45); 21 GiB/s on an RTX 4090 with --no-mmap (pinned memory, same issue); about 7.5 GiB/s on an RTX 5050
 * Laptop GPU (Mistral 7B Q4_K_M pp512, 670 t/s at -ngl 0 to 1,986 all on the GPU). bench/partial-offload-prompt.ts
 * holds the runs and the check.
 */
export const HOST_UPLOAD_BYTES_PER_SEC = 13.6 * 2 ** 30;
export const LAPTOP_HOST_UPLOAD_BYTES_PER_SEC = 7.5 * 2 ** 30;

/**
 * A copy from mmap'd (pageable) memory runs through the driver, which first copies the bytes into pinned memory on one
 * CPU core: a core that reads RAM slowly caps it. On the lent H200 (bench/results/cuda-2026-12-04.md), whose Xeon core
 * read 11.0 GB/s, five dense rows with weights in RAM (-ngl 0, 16 and 40 of an 8B and a 70B; -ub 512 and 2048) copied
 * at 6.0-7.9 GB/s, 0.55-0.72 of the core's read. At 0.66 the four -ub 512 rows' prompts read 0.92-1.17 of measured
 * (median 1.01; fitted on them, no other run to check it against), where the desktop rate read 1.6-2.0x too fast. A
 * desktop core reads 20-35 GB/s (this project's VM 32), above the cap, so the published desktop runs stay as they were.
 */
export const PAGEABLE_COPY_SHARE_OF_ONE_CORE = 0.66;

/** PCIe bandwidth a lane carries by generation (index), GB/s after line encoding. */
const PCIE_LANE_GBPS = [0, 0.25, 0.5, 0.985, 1.969, 3.938, 7.877];

/**
 * The share of the link the copy rates were measured over (PCIe 4.0 x16) that a detected link carries, at most 1: a card
 * on 8 lanes, in a PCIe 3.0 slot or behind a Thunderbolt enclosure (4 lanes) copies slower, while a faster link does not
 * make a copy from mmap'd memory faster (an RX 9070 XT on PCIe 5.0 x16 copied at 9.7 GiB/s, an RTX 5050 Laptop GPU on
 * 5.0 x8 at 7.6).
 */
function linkShare(link: { gen: number; width: number } | null | undefined): number {
  if (!link) return 1;
  return Math.min(1, ((PCIE_LANE_GBPS[link.gen] ?? 0) * link.width) / ((PCIE_LANE_GBPS[4] as number) * 16)) || 1;
}

/** Where an assumed copy rate comes from, in words for a row's source. */
function copyRateWords(
  unified: boolean,
  laptop: boolean,
  link: { gen: number; width: number } | null | undefined,
  oneCore: number | null,
): string {
  if (oneCore !== null)
    return `the driver stages mapped weights through pinned memory on one core: ${PAGEABLE_COPY_SHARE_OF_ONE_CORE} of this CPU's one-core RAM read of ${(oneCore / 1e9).toFixed(1)} GB/s (memory-bandwidth-probe), as an H200 server's Xeon copied, below the ${laptop ? '7.5' : '13.6'} GiB/s a desktop copies at`;
  if (unified)
    return "half this unified-memory GPU's bandwidth, a copy reading and writing each byte within the same memory; no published run measures it";
  if (link && linkShare(link) < 1)
    return `an RTX 4080 copied 13.6 GiB/s from mmap'd weights over PCIe 4.0 x16; this card's detected link, PCIe ${link.gen}.0 x${link.width}, carries ${(linkShare(link) * 100).toFixed(0)}% of that`;
  return `${laptop ? 'an RTX 5050 Laptop GPU' : 'an RTX 4080 on PCIe 4.0 x16'} measured so from mmap'd weights; a card on 8 lanes copies at about half that, --no-mmap's pinned memory about half again faster`;
}

/** A laptop GPU, by the name the driver or the catalogue gives it: fewer PCIe lanes, and copies at about half the rate. */
const isLaptopGpu = (name: string): boolean => /laptop|mobile|max-q/i.test(name);

/** Seconds a prompt of `tokens` spends copying a split row's weights to the GPU: one copy per micro-batch. */
function promptUploadSeconds(work: PromptWork, tokens: number, bytesPerSec: number, ubatch = DEFAULT_UBATCH_TOKENS): number {
  if (!work.hostUploadBytes) return 0;
  const batches = Math.ceil(tokens / ubatch);
  return (batches * work.hostUploadBytes) / bytesPerSec;
}

/**
 * The larger micro-batch a split row's note offers (`-ub 2048 -b 2048`): a quarter of the copies for a prompt this long
 * or longer. On the lent H200 an 8B at -ngl 0 read a 2,048-token prompt at 2,603 tok/s this way against 800 at -ub 512
 * (bench/results/cuda-2026-12-04.md); the products' rate barely moved all on the GPU (10,079 against 9,847).
 */
const LARGE_UBATCH_TOKENS = 2048;

/**
 * A unified-memory GPU (Apple Silicon, Strix Halo, a Jetson or DGX Spark) copies weights kept in RAM into its own
 * buffer within the same memory: an assumed half its memory bandwidth, a copy reading and writing each byte. No
 * published run measures it; at that rate the copy is a small part of a split row's prompt time.
 */
const UNIFIED_COPY_SHARE_OF_BANDWIDTH = 0.5;

/**
 * The rate attention over the prompt runs at on a GPU, as a share of the weights' products' rate: half, as measured on
 * the CPU (speed.ts). Published llama-bench runs at depth do not move it (bench/gpu-prompt-depth.ts, a DGX Spark's five
 * models to 32K and an RX 7900 XTX's 8B at 4K): any share from 0.4 to 1.5 leaves a median error of 1.10-1.15x, the
 * full-attention models slowing less than half rate says and the sliding-window ones more
 * (bench/results/gpu-prompt-depth-2026-12-03.md).
 */
export const GPU_PROMPT_ATTENTION_EFFICIENCY = 0.5;

/**
 * A GPU multiplies a prompt's routed experts apart (mul_mat_id): each expert gets the micro-batch's rows that chose it
 * (512 x top-k / experts), and small products run far below the dense rate. Efficiency rows / (rows + this), fitted on
 * 17 published llama-bench runs of quantized MoE models beside dense ones on the same GPU and build (CUDA, ROCm, Vulkan;
 * bench/results/gpu-prompt-carry-2026-12-03.md): carried at the dense rate, an MoE's prompt speed came out 1.7x too
 * fast at the median and up to 4.7x; with it, 1.05 (0.52-2.21), 11 of 17 within 25%. The AMD runs fit best; CUDA's
 * dense kernels run further ahead of its MoE ones (Qwen3 30B-A3B still 2.2x too fast on an RTX PRO 6000).
 */
export const GPU_PROMPT_EXPERT_OVERHEAD_ROWS = 64;
/**
 * And each of those products costs a fixed time besides, whatever its size: a micro-batch runs one per expert tensor
 * per expert its tokens chose (up to every expert: 512 tokens x 8 of 128 reach all of them). 2 µs, fitted on the same
 * carry runs (bench/results/gpu-prompt-carry-2026-12-04.md): the fast CUDA cards' Qwen MoE prompts, carried from their
 * dense rows, read 1.7-2.2x too fast with the row overhead alone (an RTX PRO 6000's Qwen3-30B-A3B 2.21, an RTX 5070
 * Ti's Qwen3.6-35B-A3B 1.69-1.92) and 0.98-1.14 with it; 15 of 21 quantized MoE rows within 25%, from 12 (median error
 * 1.12x from 1.15x), in sample. The DGX Spark's MoE prompts stay off (1.03-2.25), and so does the one run this project
 * measured: the lent H200's generated Qwen3-30B-A3B read 0.61 (0.98 without it; bench/results/cuda-2026-12-04.md).
 */
export const GPU_PROMPT_SECONDS_PER_EXPERT_PRODUCT = 0.000002;

/**
 * Seconds a prompt token pays for its micro-batch's routed-expert products beyond their FLOPs (see above): a batch of
 * `batch` tokens runs expert tensors x min(experts, batch x top-k) products.
 */
export function promptExpertProductSeconds(work: PromptWork, batch = UBATCH_TOKENS_FOR_EXPERTS): number {
  const r = work.routed;
  if (!r || batch <= 0) return 0;
  const matrices = r.matrices ?? 3 * work.shape.layers;
  return (matrices * Math.min(r.count, batch * r.active) * GPU_PROMPT_SECONDS_PER_EXPERT_PRODUCT) / batch;
}
const UBATCH_TOKENS_FOR_EXPERTS = 512;

/**
 * F16 and BF16 weights read a prompt at another rate than quantized ones: their products go to cuBLAS, Metal's or
 * hipBLAS's float kernels instead of llama.cpp's quantized ones (MMQ). Carried from the quantized rows of the same
 * published table, 12 CUDA F16 rows ran 1.25x faster at the median (0.62-0.91 of measured), 6 Metal rows 1.18x and
 * 2 ROCm BF16 rows 1.33x (bench/results/gpu-prompt-carry-2026-12-03.md), so float weights count at 1.25x the rate;
 * BF16 on Vulkan, which RDNA 3.5 runs without BF16 products, ran 2.15x slower (2 rows). Other cases stay at 1.
 */
export function floatPromptFactor(quant: string, backend: string): number {
  const q = quant.toUpperCase().replace(/^MOSTLY_/, '');
  if (q !== 'F16' && q !== 'BF16') return 1;
  const b = backend.toLowerCase();
  if (b.includes('vulkan')) return q === 'BF16' ? FLOAT_PROMPT_VULKAN_BF16 : 1;
  return /cuda|metal|rocm|hip/.test(b) ? FLOAT_PROMPT_SPEEDUP : 1;
}
const FLOAT_PROMPT_SPEEDUP = 1.25;
const FLOAT_PROMPT_VULKAN_BF16 = 1 / 2.15;

/** llama.cpp's default micro-batch: the rows a prompt's products see at once. */
const UBATCH_TOKENS = 512;

/** Share of the dense rate a routed expert's FLOPs run at on a GPU (see above). */
export function gpuPromptExpertEfficiency(
  routed: { count: number; active: number },
  overheadRows = GPU_PROMPT_EXPERT_OVERHEAD_ROWS,
): number {
  const rows = (UBATCH_TOKENS * routed.active) / routed.count;
  return rows / (rows + overheadRows);
}

/** A test model of a few MB keeps the GPU idle between kernels: its run says nothing of the GPU's rate. */
const MIN_RATE_FILE_BYTES = 100 * 2 ** 20;

/**
 * FLOPs per token of an n-token prompt (after `depth` tokens already in the cache), each part counted at the rate a
 * GPU runs it, as dense-product FLOPs: routed experts at their efficiency, attention at half rate over the keys each
 * query meets (src/core/prompt-attention.ts: half the prompt on a full-attention layer, at most the window or chunk
 * on the others, none on a recurrent block).
 */
export function promptFlopsPerToken(
  work: PromptWork,
  tokens: number,
  overheadRows = GPU_PROMPT_EXPERT_OVERHEAD_ROWS,
  depth = 0,
  attentionEfficiency = GPU_PROMPT_ATTENTION_EFFICIENCY,
): number {
  const attention = 4 * promptAttentionWidth(work.shape, tokens, depth);
  const routed = work.routed ? Math.min(work.routed.paramsB, work.activeParamsB) : 0;
  const experts = work.routed && routed > 0 ? (2 * routed * 1e9) / gpuPromptExpertEfficiency(work.routed, overheadRows) : 0;
  return 2 * (work.activeParamsB - routed) * 1e9 + experts + attention / attentionEfficiency;
}

const routedCache = new WeakMap<ModelShape, PromptWork['routed']>();

/** A model's prompt work from its shape: its routed experts counted from its tensors. */
export function promptWorkOf(activeParamsB: number, shape: ModelShape): PromptWork {
  let routed = routedCache.get(shape);
  if (routed === undefined) {
    routed = null;
    if (shape.experts && shape.experts.count > 1) {
      let params = 0;
      let matrices = 0;
      for (const t of listTensors(shape))
        if (t.experts > 1) {
          params += (elementCount(t) / t.experts) * shape.experts.active;
          if (t.dims.length >= 2) matrices++;
        }
      routed = { paramsB: params / 1e9, count: shape.experts.count, active: shape.experts.active, matrices };
    }
    routedCache.set(shape, routed);
  }
  return { activeParamsB, shape, routed };
}

/** The FLOP rate this hardware's GPU reads prompts at, from the user's runs with every layer on it. */
interface GpuPromptRate {
  flopsPerSecond: number;
  /** How many runs (one per file, the newest) the rate is the median of. */
  runs: number;
  /** The newest such run per file path. */
  newest: ReadonlyMap<string, BenchRecord>;
}

/**
 * The median FLOP rate of the newest run per file made on this hardware with every layer on the GPU. A record keeps
 * its model's prompt work; one written before it did needs `workOfPath` (a row for the same file) to count.
 */
function gpuPromptRate(
  records: readonly BenchRecord[],
  hardware: HardwareSnapshot,
  workOfPath: (path: string) => PromptWork | undefined,
): GpuPromptRate | null {
  if (hardware.gpus.length === 0) return null;
  const newest = new Map<string, BenchRecord>();
  for (const r of records) {
    if (!recordedHere(r, hardware) || r.gpuLayers < r.totalLayers || !(r.pp.mean > 0)) continue;
    if (r.model.fileBytes !== null && r.model.fileBytes < MIN_RATE_FILE_BYTES) continue;
    const seen = newest.get(r.model.path);
    if (!seen || seen.at < r.at) newest.set(r.model.path, r);
  }
  const rates: number[] = [];
  for (const [path, record] of newest) {
    const kept = record.promptWork;
    const work = kept ? { activeParamsB: kept.activeParamsB, shape: kept, routed: kept.routed ?? null } : workOfPath(path);
    // The rate of quantized weights: a run of an F16 file is brought back to it. An MoE's fixed cost per expert product
    // is taken out of the run's time first: what is left ran at the FLOP rate.
    if (work) {
      const tokens = record.settings.promptTokens;
      const seconds = 1 / record.pp.mean;
      const flopSeconds = seconds - promptExpertProductSeconds(work, Math.min(tokens, UBATCH_TOKENS_FOR_EXPERTS));
      const usable = flopSeconds > seconds * 0.2 ? flopSeconds : seconds;
      rates.push(promptFlopsPerToken(work, tokens) / usable / floatPromptFactor(record.model.quant, record.backend));
    } else newest.delete(path);
  }
  return rates.length === 0 ? null : { flopsPerSecond: median(rates), runs: rates.length, newest };
}

/** The rate published runs give the GPUs a model uses: the slowest of them, where every one has a catalogued rate. */
function cataloguedRate(gpus: readonly Gpu[]): { flopsPerSec: number; detail: string; fromSiblings: boolean } | null {
  if (gpus.length === 0) return null;
  let slowest: NonNullable<Gpu['promptRate']> | null = null;
  for (const g of gpus) {
    if (!g.promptRate) return null;
    if (!slowest || g.promptRate.flopsPerSec < slowest.flopsPerSec) slowest = g.promptRate;
  }
  return slowest
    ? {
        flopsPerSec: slowest.flopsPerSec,
        detail: slowest.source.detail ?? slowest.source.by,
        fromSiblings: slowest.source.kind === 'estimated',
      }
    : null;
}

/** Rows, each row's prompt work, the user's runs, and the hardware and GPUs the rows were sized for. */
export interface BenchRunsInput {
  rows: ReportRow[];
  work: ReadonlyMap<ReportRow, PromptWork>;
  records: readonly BenchRecord[];
  hardware: HardwareSnapshot;
  /** The GPUs a model uses (the compute target's), whose catalogued rates stand in for a run. */
  gpus?: readonly Gpu[];
}

/**
 * Rows all on the GPU get a prompt speed (pp512) and the time to read a prompt that fills their context: from the
 * newest run per file of this hardware with every layer on the GPU, else from the rate published runs of the GPUs
 * `gpus` (the ones a model uses) catalogue. Rows with weights in RAM beside a discrete CUDA, ROCm or Vulkan GPU (split,
 * or none on it) get the same rate plus the copy of those weights per micro-batch. `work` gives each row's prompt
 * FLOPs; rows without one, and every row when neither rate exists, are returned as they were.
 */
export function applyGpuPromptRuns({ rows, work, records, hardware, gpus = [] }: BenchRunsInput): ReportRow[] {
  const workOfPath = (path: string): PromptWork | undefined => {
    const row = rows.find((r) => r.filePath === path && r.fit === 'gpu');
    return row ? work.get(row) : undefined;
  };
  const found = gpuPromptRate(records, hardware, workOfPath);
  const catalogued = found ? null : cataloguedRate(gpus);
  if (!found && !catalogued) return rows;
  const rate = found ? found.flopsPerSecond : (catalogued as { flopsPerSec: number }).flopsPerSec;
  const how = '2 FLOP per active weight, routed experts at their efficiency on a GPU, attention over the prompt at half the rate';
  const estimated: NonNullable<ReportRow['promptSource']> = found
    ? {
        kind: 'estimated',
        by: 'speed.prompt-from-runs',
        detail: `A ${PROMPT_TOKENS}-token prompt at the ${(rate / 1e12).toFixed(1)} TFLOP/s that ${found.runs} benchmark run${found.runs === 1 ? '' : 's'} all on this GPU sustained (the median of pp x FLOPs per prompt token): ${how}.`,
      }
    : {
        kind: 'estimated',
        by: catalogued?.fromSiblings ? 'speed.prompt-siblings' : 'speed.prompt-catalogued',
        detail: `A ${PROMPT_TOKENS}-token prompt at ${catalogued?.detail ?? ''}: ${how}. Builds and settings move such rates (an RTX 3090 on CUDA read an 8B's prompts about 25% faster in a March 2025 build than in May 2024); your own run of a model all on this GPU replaces it.`,
      };
  const backend = gpus[0]?.backend ?? hardware.gpus[0]?.backend ?? '';
  const laptop = isLaptopGpu(gpus[0]?.name ?? hardware.gpus[0]?.name ?? '');
  // CUDA, ROCm, Vulkan and Metal (this llama.cpp's ggml-metal.cpp has an offload_op for products) compute a prompt's
  // products for weights in RAM on the GPU. A unified-memory GPU copies them within its memory, where its bandwidth is
  // known; a discrete one over the bus.
  const first = gpus[0] ?? hardware.gpus[0];
  const unified = first?.unifiedMemory ?? false;
  const unifiedCopy =
    unified && first?.memoryBandwidthBytesPerSec ? first.memoryBandwidthBytesPerSec * UNIFIED_COPY_SHARE_OF_BANDWIDTH : null;
  // The slowest of the GPUs a model uses sets the pace; a detected link narrower than PCIe 4.0 x16 slows the copy.
  const link = (gpus.length > 0 ? gpus : hardware.gpus)
    .map((g) => g.pcieLink)
    .reduce<Gpu['pcieLink']>((slowest, l) => (l && (!slowest || linkShare(l) < linkShare(slowest)) ? l : slowest), null);
  const linkCopy = Math.min(
    laptop ? LAPTOP_HOST_UPLOAD_BYTES_PER_SEC : HOST_UPLOAD_BYTES_PER_SEC,
    HOST_UPLOAD_BYTES_PER_SEC * linkShare(link),
  );
  // The core staging the copy caps it where it reads RAM slowly (a server's core); a link or laptop rate lower still stands.
  const oneCoreRead = hardware.cpu.oneCoreBandwidthBytesPerSec ?? null;
  const coreCopy = oneCoreRead ? oneCoreRead * PAGEABLE_COPY_SHARE_OF_ONE_CORE : Infinity;
  const coreBound = !unified && coreCopy < linkCopy;
  const busCopy = Math.min(linkCopy, coreCopy);
  const copyBytesPerSec = unified ? unifiedCopy : busCopy;
  const offloadsProducts =
    copyBytesPerSec !== null && (backend === 'cuda' || backend === 'rocm' || backend === 'vulkan' || backend === 'metal');
  return rows.map((row) => {
    const w = work.get(row);
    // A row all in RAM beside such a GPU (-ngl 0, or no layer fits) copies every weight: llama.cpp still offloads.
    const split = (row.fit === 'partial' || row.fit === 'cpu') && offloadsProducts && (w?.hostUploadBytes ?? 0) > 0;
    if (!w || (row.fit !== 'gpu' && !split)) return row;
    const rowRate = rate * floatPromptFactor(row.quant, backend);
    const secondsFor = (tokens: number, ubatch = DEFAULT_UBATCH_TOKENS): number =>
      (tokens * promptFlopsPerToken(w, tokens)) / rowRate +
      tokens * promptExpertProductSeconds(w, Math.min(tokens, ubatch)) +
      (split && copyBytesPerSec ? promptUploadSeconds(w, tokens, copyBytesPerSec, ubatch) : 0);
    const fullPromptSeconds = secondsFor(row.contextTokens);
    const record = row.filePath ? found?.newest.get(row.filePath) : undefined;
    if (record && record.settings.promptTokens === PROMPT_TOKENS)
      return {
        ...row,
        promptTokPerSec: record.pp.mean,
        promptSource: {
          kind: 'measured',
          by: 'rightsize bench',
          detail: `pp${PROMPT_TOKENS} ${formatTokPerSec(record.pp.mean)} ± ${formatTokPerSec(record.pp.sd)} tok/s, run ${record.at.slice(0, 16).replace('T', ' ')} (${record.backend}); a prompt that fills the context is this rate carried to its length, attention at half the rate of the weights' products.`,
        },
        fullPromptSeconds,
      };
    const floatNote =
      rowRate !== rate
        ? {
            ...estimated,
            detail: `${estimated.detail ?? ''} ${row.quant} weights at ${rowRate > rate ? `${FLOAT_PROMPT_SPEEDUP}x` : `1/${(rate / rowRate).toFixed(2)} of`} the quantized rate (float kernels on ${backend}).`,
          }
        : estimated;
    // A context shorter than the larger micro-batch holds no prompt that long (llama.cpp caps -ub at the context).
    const largeUbatch = split && row.contextTokens >= LARGE_UBATCH_TOKENS;
    const largeUbatchTokPerSec = LARGE_UBATCH_TOKENS / secondsFor(LARGE_UBATCH_TOKENS, LARGE_UBATCH_TOKENS);
    const largeUbatchWords = largeUbatch
      ? ` With -ub ${LARGE_UBATCH_TOKENS} -b ${LARGE_UBATCH_TOKENS} it copies once per ${LARGE_UBATCH_TOKENS.toLocaleString('en-US')} tokens: about ${formatTokPerSec(largeUbatchTokPerSec)} tok/s for a ${LARGE_UBATCH_TOKENS.toLocaleString('en-US')}-token prompt, for compute buffers about ${LARGE_UBATCH_TOKENS / DEFAULT_UBATCH_TOKENS}x as large (each part of them grows with the micro-batch).`
      : '';
    const source = split
      ? {
          ...floatNote,
          by: 'speed.prompt-split',
          detail: `${floatNote.detail ?? ''} ${row.fit === 'cpu' ? 'No layer on the GPU' : 'Split between the GPU and RAM'}: llama.cpp still runs a prompt's products on the GPU, so each ${DEFAULT_UBATCH_TOKENS}-token micro-batch first copies the ${formatBytes(w.hostUploadBytes ?? 0)} of weights kept in RAM to it, at an assumed ${((copyBytesPerSec ?? 1) / 2 ** 30).toFixed(1)} GiB/s (${copyRateWords(unified, laptop, link, coreBound ? oneCoreRead : null)}): ${promptUploadSeconds(w, PROMPT_TOKENS, copyBytesPerSec ?? 1).toFixed(2)} s per micro-batch.${largeUbatchWords}`,
        }
      : floatNote;
    return {
      ...row,
      promptTokPerSec: PROMPT_TOKENS / secondsFor(PROMPT_TOKENS),
      promptSource: source,
      fullPromptSeconds,
      ...(largeUbatch ? { largeUbatchPrompt: { ubatchTokens: LARGE_UBATCH_TOKENS, tokPerSec: largeUbatchTokPerSec } } : {}),
    };
  });
}
