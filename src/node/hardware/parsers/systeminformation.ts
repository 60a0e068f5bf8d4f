// systeminformation's graphics(), mem(), cpu() (+ cpuFlags()) and osInfo().
import { MiB } from '../../../shared/units';
import {
  bareDeviceId,
  hex4,
  isDict,
  normalizeBusAddress,
  num,
  observation,
  pciVendorIdOf,
  positive,
  str,
  vendorFromPciVendorId,
  vendorFromText,
  type GpuObservation,
  type RamFacts,
} from './common';
import { parseWindowsPnpId } from './windows';

export interface CpuFacts {
  model: string | null;
  vendor: string | null;
  physicalCores: number | null;
  logicalCores: number | null;
  /** Efficiency cores of a hybrid CPU (Intel's E-cores, Apple's E cluster), where systeminformation counts them. */
  efficiencyCores: number | null;
  simd: string[];
}

export interface OsFacts {
  platform: string | null;
  distro: string | null;
  release: string | null;
  arch: string | null;
}

/** systeminformation graphics().controllers, or a `{ controllers }` / `{ graphics }` wrapper. */
export function parseSiGraphics(graphics: unknown): GpuObservation[] {
  let controllers: unknown = graphics;
  if (isDict(graphics)) controllers = graphics.controllers ?? graphics.graphics;
  if (!Array.isArray(controllers)) return [];
  const gpus: GpuObservation[] = [];
  controllers.forEach((c: unknown, index: number) => {
    if (!isDict(c)) return;
    const vendorText = str(c.vendor);
    const model = str(c.model) ?? str(c.name);
    if (!model && !vendorText) return;
    const name = model ?? vendorText ?? 'GPU';
    const vendor =
      vendorFromPciVendorId(hex4(str(c.vendorId))) ??
      (vendorFromText(vendorText) !== 'other' ? vendorFromText(vendorText) : vendorFromText(name));
    const vramMiB = num(c.vram);
    const fromNvidiaSmi = num(c.memoryTotal) !== null;
    const pnp = parseWindowsPnpId(str(c.pciID)) ?? parseWindowsPnpId(str(c.deviceId));
    const bareId = bareDeviceId(name) ?? hex4(str(c.deviceId));
    const vendorId = pciVendorIdOf(vendor);
    const freeMiB = num(c.memoryFree);
    gpus.push(
      observation({
        by: 'systeminformation',
        name,
        vendor,
        pciId: pnp?.pciId ?? (bareId && vendorId ? `${vendorId}:${bareId}` : null),
        pciRevision: pnp?.revision ?? null,
        busAddress: normalizeBusAddress(str(c.busAddress) ?? str(c.pciBus)),
        vramBytes: vramMiB !== null && vramMiB > 0 ? Math.round(vramMiB * MiB) : null,
        vramFreeBytes: freeMiB !== null && freeMiB >= 0 ? Math.round(freeMiB * MiB) : null,
        vramField: vramMiB !== null ? `graphics().controllers[${index}].vram` : null,
        driver: str(c.driverVersion),
        powerLimitWatts: positive(num(c.powerLimit)),
        hints: {
          siVramMiB: vramMiB,
          siVramDynamic: c.vramDynamic === true,
          siBus: str(c.bus) ?? '',
          siVramFromNvidiaSmi: fromNvidiaSmi,
        },
      }),
    );
  });
  return gpus;
}

/** systeminformation mem(). */
export function parseSiMem(mem: unknown): RamFacts {
  if (!isDict(mem)) return { totalBytes: null, availableBytes: null, swapTotalBytes: null };
  const total = positive(num(mem.total));
  const available = num(mem.available);
  const swap = num(mem.swaptotal);
  return {
    totalBytes: total,
    availableBytes: available !== null && available >= 0 ? available : null,
    swapTotalBytes: swap !== null && swap >= 0 ? swap : null,
  };
}

/** The SIMD extensions llama.cpp cares about, by the names Linux, macOS and Windows print. */
const SIMD_FLAGS: Array<[string, RegExp]> = [
  ['SSE3', /^(sse3|pni)$/],
  ['SSSE3', /^ssse3$/],
  ['SSE4_1', /^sse4[._]1$/],
  ['SSE4_2', /^sse4[._]2$/],
  ['AVX', /^avx(1\.0)?$/],
  ['AVX2', /^avx2$/],
  ['AVX_VNNI', /^avx_vnni$/],
  ['AVX512F', /^avx512f$/],
  ['AVX512BW', /^avx512bw$/],
  ['AVX512VL', /^avx512vl$/],
  ['AVX512_VBMI', /^avx512_?vbmi$/],
  ['AVX512_VNNI', /^avx512_?vnni$/],
  ['AVX512_BF16', /^avx512_?bf16$/],
  ['AMX_INT8', /^amx_int8$/],
  ['AMX_BF16', /^amx_bf16$/],
  ['F16C', /^f16c$/],
  ['FMA', /^fma3?$/],
  ['NEON', /^(neon|asimd)$/],
  ['FP16', /^(fphp|asimdhp)$/],
  ['DOTPROD', /^(asimddp|dotprod)$/],
  ['I8MM', /^i8mm$/],
  ['SVE', /^sve$/],
  ['SVE2', /^sve2$/],
  ['SME', /^sme$/],
];

/** Upper-case SIMD flags from a flags string (si cpuFlags(), /proc/cpuinfo, sysctl). AArch64 always has NEON. */
export function parseCpuFlags(flags: string | null | undefined, arch?: string | null): string[] {
  const tokens = new Set(
    (flags ?? '')
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean),
  );
  const simd = SIMD_FLAGS.filter(([, pattern]) => [...tokens].some((t) => pattern.test(t))).map(([name]) => name);
  if (arch && /^(arm64|aarch64)$/i.test(arch) && !simd.includes('NEON')) simd.unshift('NEON');
  return simd;
}

function cleanCpuText(text: string | null): string | null {
  if (!text) return null;
  const cleaned = text
    .replace(/\((R|TM)\)|®|™/gi, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned || null;
}

/** systeminformation cpu() (+ cpuFlags()). */
export function parseSiCpu(cpu: unknown, flags?: string | null, arch?: string | null): CpuFacts {
  if (!isDict(cpu))
    return { model: null, vendor: null, physicalCores: null, logicalCores: null, efficiencyCores: null, simd: parseCpuFlags(flags, arch) };
  const manufacturer = cleanCpuText(str(cpu.manufacturer));
  const brand = cleanCpuText(str(cpu.brand));
  let model = brand;
  if (brand && manufacturer && !brand.toLowerCase().startsWith(manufacturer.toLowerCase())) model = `${manufacturer} ${brand}`;
  else if (!brand) model = manufacturer;
  const physical = positive(num(cpu.physicalCores));
  const logical = positive(num(cpu.cores));
  const efficiency = num(cpu.efficiencyCores);
  return {
    model,
    vendor: manufacturer ?? cleanCpuText(str(cpu.vendor)),
    physicalCores: physical !== null ? Math.round(physical) : null,
    logicalCores: logical !== null ? Math.round(logical) : null,
    efficiencyCores: efficiency !== null && efficiency >= 0 ? Math.round(efficiency) : null,
    simd: parseCpuFlags(flags ?? str(cpu.flags), arch),
  };
}

/** systeminformation osInfo(). */
export function parseSiOsInfo(osInfo: unknown): OsFacts {
  if (!isDict(osInfo)) return { platform: null, distro: null, release: null, arch: null };
  return { platform: str(osInfo.platform), distro: str(osInfo.distro), release: str(osInfo.release), arch: str(osInfo.arch) };
}
