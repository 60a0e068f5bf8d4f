// `estimate` with a vision projector (--mmproj): which file, which device llama.cpp's mtmd puts it
// on, the fit re-run with that much less room there, and the projector's bytes in the totals.
import { basename, dirname } from 'node:path';
import type { ComputeTarget } from '../core/budget';
import type { EstimateResult } from '../shared/schema';
import { projectorDevice, reserveForProjector, withProjectorBytes, type ProjectorSize } from '../core/projector';
import { findProjector, sizeProjector } from './models/projector';
import { ModelArgError, type ResolvedModel } from './models/resolve';

interface ProjectorRequest {
  mmproj?: string | undefined;
  /** Absent: true, llama.cpp's default. */
  mmprojOffload?: boolean | undefined;
}

/** What estimateResolved takes to leave room for the projector. */
type Adjust = { adjustTarget?: (target: ComputeTarget) => ComputeTarget };

/**
 * The projector asked for: a path as given, or with 'auto' the one the model's source pairs with it
 * (an Ollama manifest's projector layer, an mmproj file beside an LM Studio or Hugging Face download)
 * or the mmproj*.gguf next to the model file.
 */
async function chooseProjector(mmproj: string, resolved: ResolvedModel): Promise<{ size: ProjectorSize; chosen: string }> {
  if (mmproj !== 'auto') return { size: await sizeProjector(mmproj), chosen: 'given with --mmproj' };
  if (resolved.projector) return { size: await sizeProjector(resolved.projector.path), chosen: resolved.projector.where };
  const modelPath = resolved.sizable.filePath;
  if (!modelPath)
    throw new ModelArgError(
      `--mmproj auto looks for an mmproj*.gguf next to a model file, and ${resolved.sizable.name} is not a local file: pass the projector's path with --mmproj PATH.`,
    );
  const found = await findProjector(modelPath);
  if (!found)
    throw new ModelArgError(
      `No vision projector (mmproj*.gguf) found next to ${basename(modelPath)} in ${dirname(modelPath)}. Download the model's mmproj file into that folder, or pass its path with --mmproj PATH.`,
    );
  return { size: await sizeProjector(found.path), chosen: `found: ${found.reason}` };
}

/**
 * Runs `estimate` (an estimateResolved call given the budget adjustment) with the projector the
 * request names, or plainly when it names none.
 */
export async function estimateWithProjector(
  request: ProjectorRequest,
  resolved: ResolvedModel,
  estimate: (adjust: Adjust) => EstimateResult,
): Promise<EstimateResult> {
  if (request.mmproj === undefined) return estimate({});
  const { size, chosen } = await chooseProjector(request.mmproj, resolved);
  const bytes = size.weightsBytes + size.computeBytes;
  let device: 'gpu' | 'cpu' = 'cpu';
  const result = estimate({
    adjustTarget: (target) => {
      device = projectorDevice(target, request.mmprojOffload ?? true);
      return reserveForProjector(target, bytes, device);
    },
  });
  return withProjectorBytes(result, {
    path: size.path,
    projectorType: size.projectorType,
    weightsBytes: size.weightsBytes,
    computeBytes: size.computeBytes,
    device,
    chosen,
    source: size.weightsSource,
    computeSource: size.computeSource,
  });
}
