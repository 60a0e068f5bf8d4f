// Which llama.cpp backend runs a vendor's GPU: the one answer hardware detection, the what-if GPU
// and the memory budget share.
import type { GpuBackend, GpuVendor } from '../shared/schema';

/** A backend that runs layers on a GPU. */
export type GpuComputeBackend = Exclude<GpuBackend, 'none'>;

/**
 * The backend a vendor's GPU runs on when nothing detected says otherwise: CUDA on NVIDIA, Metal
 * on Apple, Vulkan on the rest (node-llama-cpp's prebuilt binaries have no ROCm or SYCL build).
 */
export function defaultBackendForVendor(vendor: GpuVendor): GpuComputeBackend {
  if (vendor === 'nvidia') return 'cuda';
  if (vendor === 'apple') return 'metal';
  return 'vulkan';
}
