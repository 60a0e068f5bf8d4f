// Vision projectors (mmproj*.gguf) on disk: the one next to a model file (LM Studio and Hugging Face
// downloads keep it there), and a projector file read and sized (core's projector.ts does the sizing).
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ProjectorFileError, projectorSizeFromHeader, rankProjectors, type ProjectorSize } from '../../core/projector';
import { readGgufHeader } from './gguf-file';
import { ModelArgError } from './resolve';

interface FoundProjector {
  path: string;
  bytes: number;
  /** Why this one: the only one in the folder, or the one whose name is closest to the model's. */
  reason: string;
}

/** An mmproj*.gguf in the model's folder, or null when there is none (or the folder cannot be read). */
export async function findProjector(modelPath: string): Promise<FoundProjector | null> {
  const absolute = resolve(modelPath);
  const dir = dirname(absolute);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const ranked = rankProjectors(basename(absolute), names);
  const [best] = ranked;
  if (!best) return null;
  const path = join(dir, best);
  const bytes = (await stat(path)).size;
  const reason =
    ranked.length === 1
      ? `the only mmproj file next to ${basename(absolute)}`
      : `of ${ranked.length} mmproj files next to ${basename(absolute)}, the one whose name shares the most words with it (others: ${ranked.slice(1).join(', ')})`;
  return { path, bytes, reason };
}

/** Reads a projector's header and sizes it; a file that is not a projector is a ModelArgError saying what to pass. */
export async function sizeProjector(path: string): Promise<ProjectorSize> {
  const absolute = resolve(path);
  const header = await readGgufHeader(absolute);
  try {
    return projectorSizeFromHeader(header, absolute, basename(absolute));
  } catch (error) {
    if (error instanceof ProjectorFileError) throw new ModelArgError(error.message);
    throw error;
  }
}
