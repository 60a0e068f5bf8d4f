// From every tool's output to one group of observations per physical GPU. Tools are read in
// trust order; an observation joins the GPU with the same bus address, PCI id, name or catalogue
// entry, and each tool says at most one thing about each GPU.
import type { GpuPreset, GpuVendor, Source } from '../../../shared/schema';
import type { GpuObservation } from '../parsers/common';
import { parseMetalInitLog, type NodeLlamaCppFacts } from '../parsers/node-llama-cpp';
import { parseNvidiaSmiCsv } from '../parsers/nvidia-smi';
import { parseRocmSmiCsv, parseRocmSmiJson } from '../parsers/rocm-smi';
import { parseLspci, parseSysfsDrmCards } from '../parsers/sysfs';
import { parseSystemProfilerDisplays } from '../parsers/system-profiler';
import { parseSiGraphics } from '../parsers/systeminformation';
import { parseWindowsRegistryGpus } from '../parsers/windows';
import type { RawDetection } from '../raw-detection';
import { matchGpuPreset, sameNameTokens } from './presets';
import { safe } from './safe';

/** Everything the tools said about one physical GPU. */
export interface ObservedGpu {
  observations: GpuObservation[];
}

export function vendorOf(gpu: ObservedGpu): GpuVendor {
  return gpu.observations.find((o) => o.vendor !== 'other')?.vendor ?? 'other';
}

/** The tool as the user sees it named in a source. */
export function toolLabel(o: GpuObservation): string {
  if (o.by === 'node-llama-cpp') return `node-llama-cpp (${o.hints.llamaBackend || 'cpu'})`;
  if (o.by === 'sysfs') return 'sysfs (amdgpu)';
  return o.by;
}

/** The source of a figure one tool reported: by default the field it came from. */
export function detectedSource(o: GpuObservation, detail?: string): Source {
  return { kind: 'detected', by: toolLabel(o), detail: detail ?? o.vramField ?? undefined };
}

/**
 * Display adapters that cannot run a model: server BMCs, VMs' virtual cards, software renderers, and the
 * virtual displays of streaming and VR software (Apollo/Sunshine's IddSampleDriver, Meta's Virtual Monitor),
 * which llm-checker counted as GPUs with no VRAM (its issue 106).
 */
const NON_COMPUTE_ADAPTER =
  /aspeed|matrox|basic (display|render)|vmware svga|virtio|bochs|llvmpipe|softpipe|cirrus|hyper-v|\bqxl\b|parsec|virtual (display|monitor|desktop)|mirage|citrix|remote display|displaylink|spacedesk|\bidd\b|iddsampledriver|idd ?sample ?driver|oculus/i;

/**
 * The address systeminformation gives an NVIDIA GPU it learnt of from `clinfo --raw` (no lspci): it reads
 * CL_DEVICE_PCI_SLOT_ID_NV, the device number, as if it were device and function packed together, so the GPU at
 * 00:06.0 becomes 00:00.6 (seen on an H200 in a VM, test/fixtures/hardware/recorded-linux-h200-vm.json).
 */
function clinfoNvidiaAddress(bus: string): string | null {
  const m = /^([0-9a-f]{2}):([0-9a-f]{2})\.0$/.exec(bus);
  if (!m) return null;
  const device = parseInt(m[2] as string, 16);
  return `${m[1] as string}:${(device >> 3).toString(16).padStart(2, '0')}.${device & 7}`;
}

function compatible(gpu: ObservedGpu, o: GpuObservation, presets: GpuPreset[]): boolean {
  const vendor = vendorOf(gpu);
  if (vendor !== 'other' && o.vendor !== 'other' && vendor !== o.vendor) return false;
  const bus = gpu.observations.find((x) => x.busAddress)?.busAddress ?? null;
  if (bus && o.busAddress) return bus === o.busAddress || (o.by === 'systeminformation' && clinfoNvidiaAddress(bus) === o.busAddress);
  const pci = gpu.observations.find((x) => x.pciId)?.pciId ?? null;
  if (pci && o.pciId) return pci === o.pciId;
  if (gpu.observations.some((x) => sameNameTokens(x.name, o.name))) return true;
  const mine = matchGpuPreset({ names: [o.name], vendor: o.vendor, pciId: o.pciId, pciRevision: o.pciRevision }, presets);
  if (!mine) return false;
  return gpu.observations.some(
    (x) =>
      matchGpuPreset({ names: [x.name], vendor: x.vendor, pciId: x.pciId, pciRevision: x.pciRevision }, presets)?.preset.id ===
      mine.preset.id,
  );
}

function notYetSeenBy(gpus: ObservedGpu[], tool: GpuObservation['by']): ObservedGpu[] {
  return gpus.filter((g) => !g.observations.some((x) => x.by === tool));
}

function groupObservations(lists: GpuObservation[][], presets: GpuPreset[]): ObservedGpu[] {
  const gpus: ObservedGpu[] = [];
  for (const list of lists) {
    const pending: GpuObservation[] = [];
    for (const o of list) {
      const match = notYetSeenBy(gpus, o.by).find((g) => compatible(g, o, presets));
      if (match) match.observations.push(o);
      else pending.push(o);
    }
    for (const o of pending) {
      // node-llama-cpp names a device the way its backend does ("AMD Radeon RX 7900 XTX (RADV NAVI31)");
      // when exactly one GPU of that vendor is still unclaimed by it, that is the one.
      if (o.by === 'node-llama-cpp') {
        const free = notYetSeenBy(gpus, o.by).filter((g) => vendorOf(g) === o.vendor && o.vendor !== 'other');
        if (free.length === 1) {
          (free[0] as ObservedGpu).observations.push(o);
          continue;
        }
      }
      gpus.push({ observations: [o] });
    }
  }
  return gpus;
}

/** Every GPU observation in the raw detection, grouped by tool in trust order. */
function observationLists(raw: RawDetection, llama: NodeLlamaCppFacts | null): GpuObservation[][] {
  const rocm = raw.rocmSmi?.json !== undefined ? safe(() => parseRocmSmiJson(raw.rocmSmi?.json), []) : [];
  const rocmList = rocm.length ? rocm : raw.rocmSmi?.csv ? safe(() => parseRocmSmiCsv(raw.rocmSmi?.csv ?? ''), []) : [];
  const sysfs = safe(() => parseSysfsDrmCards(raw.sysfsDrm), []).filter((o) => o.vendor !== 'other');
  const metal = raw.metalLog ? safe(() => parseMetalInitLog(raw.metalLog ?? '').gpu, null) : null;
  const llamaList = llama?.gpus ?? [];
  return [
    raw.nvidiaSmi ? safe(() => parseNvidiaSmiCsv(raw.nvidiaSmi ?? ''), []) : [],
    rocmList,
    sysfs,
    raw.windowsRegistry !== undefined ? safe(() => parseWindowsRegistryGpus(raw.windowsRegistry), []) : [],
    llamaList.filter((o) => o.hints.llamaBackend !== 'vulkan'),
    safe(() => parseSiGraphics(raw.si?.graphics), []),
    raw.systemProfiler?.displays !== undefined ? safe(() => parseSystemProfilerDisplays(raw.systemProfiler?.displays), []) : [],
    metal ? [metal] : [],
    llamaList.filter((o) => o.hints.llamaBackend === 'vulkan'),
  ];
}

/**
 * The GPUs the tools saw, each with what every tool said about it, and the names of the display
 * adapters left out because they cannot run a model.
 */
export function observeGpus(
  raw: RawDetection,
  llama: NodeLlamaCppFacts | null,
  presets: GpuPreset[],
): { gpus: ObservedGpu[]; ignoredAdapters: string[] } {
  const ignoredAdapters: string[] = [];
  const lists = observationLists(raw, llama).map((list) =>
    list.filter((o) => {
      if (!NON_COMPUTE_ADAPTER.test(o.name)) return true;
      ignoredAdapters.push(o.name);
      return false;
    }),
  );
  const gpus = groupObservations(lists, presets);
  // lspci only adds ids and revisions to GPUs others named, matched by bus address.
  const lspci = raw.lspci ? safe(() => parseLspci(raw.lspci ?? ''), []) : [];
  for (const l of lspci) {
    const gpu = gpus.find((g) => g.observations.some((o) => o.busAddress && o.busAddress === l.busAddress));
    if (gpu) gpu.observations.push(l);
  }
  return { gpus, ignoredAdapters };
}
