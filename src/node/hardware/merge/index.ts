// Turns what every detection source said into one HardwareSnapshot. Pure: no I/O, never throws.
// Where sources disagree the more trustworthy one wins and the other is kept as an alternative
// with the reason, so the user can see both. Known wrong values (WMI's 4 GB cap, Linux PCI BAR
// sizes, macOS "4 GB" read as 4 MB, an iGPU's carve-out) are recognised and never reported as VRAM.
import type { Gpu, GpuPreset, HardwareSnapshot, SourceStatus } from '../../../shared/schema';
import { parseMetalInitLog, parseNodeLlamaCppState, parseNodeLlamaCppText, type NodeLlamaCppFacts } from '../parsers/node-llama-cpp';
import type { RawDetection } from '../raw-detection';
import { resolveMetalWorkingSet } from './apple-working-set';
import { buildGpu, dedicatedFirst, type GpuContext } from './gpus';
import { mergeCpu, mergeOs, mergeRam } from './host';
import { observeGpus } from './observations';
import { safe } from './safe';

function llamaFacts(raw: RawDetection): NodeLlamaCppFacts | null {
  if (raw.nodeLlamaCpp) return safe(() => parseNodeLlamaCppState(raw.nodeLlamaCpp), null);
  if (raw.nodeLlamaCppText) return safe(() => parseNodeLlamaCppText(raw.nodeLlamaCppText ?? ''), null);
  return null;
}

/** GPU problems have no source status of their own: they are told on systeminformation's. */
function addGpuDetail(sources: SourceStatus[], detail: string): void {
  const si = sources.find((s) => s.id === 'systeminformation');
  if (si) si.detail = si.detail ? `${si.detail}; ${detail}` : detail;
}

/** Merges every source into one snapshot. Never throws; missing sources give fallbacks. */
export function mergeHardware(raw: RawDetection, presets: GpuPreset[]): HardwareSnapshot {
  const llama = llamaFacts(raw);
  const metalCandidates = raw.metalLog ? safe(() => parseMetalInitLog(raw.metalLog ?? '').workingSetCandidatesBytes, []) : [];
  const ram = mergeRam(raw, llama, metalCandidates);
  const sources = [...(raw.sources ?? [])];

  let gpus: Gpu[] = [];
  try {
    const observed = observeGpus(raw, llama, presets);
    const metalWorkingSet = resolveMetalWorkingSet(metalCandidates, ram.source.kind === 'detected' ? ram.totalBytes : null);
    const ctx: GpuContext = {
      platform: raw.platform,
      arch: raw.arch,
      ramBytes: ram.totalBytes,
      presets,
      llama,
      metalWorkingSetBytes: metalWorkingSet?.bytes ?? null,
    };
    gpus = dedicatedFirst(observed.gpus.map((g) => buildGpu(g, ctx)));
    if (observed.ignoredAdapters.length)
      addGpuDetail(sources, `ignored display adapters that cannot run models: ${[...new Set(observed.ignoredAdapters)].join(', ')}`);
  } catch (error) {
    addGpuDetail(sources, `merging GPU reports failed: ${(error as Error).message}`);
    gpus = [];
  }

  return {
    os: mergeOs(raw),
    cpu: mergeCpu(raw, llama),
    ram,
    gpus,
    sources,
    whatIf: false,
    detectedAt: raw.detectedAt ?? new Date().toISOString(),
  };
}
