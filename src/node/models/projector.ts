// Vision projectors (mmproj*.gguf) on disk: the one next to a model file (LM Studio and Hugging Face
// downloads keep it there; in a Hugging Face cache, another snapshot of the same repository too), and
// a projector file read and sized (core's projector.ts does the sizing).
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ProjectorFileError, projectorSizeFromHeader, rankProjectors, type ProjectorSize } from '../../core/projector';
import { readGgufHeader } from './gguf-file';
import { ModelArgError } from './resolve';

interface FoundProjector {
  path: string;
  bytes: number;
  /** Why this one: the only one in the folder, or the one whose name is closest to the model's. */
  reason: string;
}

/** The mmproj*.gguf names in a folder, best first, or none when it cannot be read. */
async function projectorsIn(dir: string, modelName: string): Promise<string[]> {
  try {
    return rankProjectors(modelName, await readdir(dir));
  } catch {
    return [];
  }
}

/**
 * In a Hugging Face cache (…/models--ORG--REPO/snapshots/REV/…) a projector fetched at another
 * time can sit in another revision's snapshot of the same repository: those folders, newest first.
 */
async function otherSnapshotDirs(dir: string): Promise<Array<{ folder: string; revision: string }>> {
  const parts = dir.split(sep);
  const at = parts.lastIndexOf('snapshots');
  if (at < 1 || at + 1 >= parts.length || !parts[at - 1]?.startsWith('models--')) return [];
  const snapshots = parts.slice(0, at + 1).join(sep) || sep;
  const rest = parts.slice(at + 2);
  let revisions: string[];
  try {
    revisions = (await readdir(snapshots)).filter((r) => r !== parts[at + 1]);
  } catch {
    return [];
  }
  const mtime = (folder: string): Promise<number> =>
    stat(folder).then(
      (s) => s.mtimeMs,
      () => -1,
    );
  const dated = await Promise.all(
    revisions.map(async (revision) => {
      const folder = join(snapshots, revision, ...rest);
      return { folder, revision, mtime: await mtime(folder) };
    }),
  );
  return dated.filter((d) => d.mtime >= 0).sort((a, b) => b.mtime - a.mtime);
}

/**
 * An mmproj*.gguf in the model's folder (in a Hugging Face cache, else in another snapshot of the
 * same repository), or null when there is none.
 */
export async function findProjector(modelPath: string): Promise<FoundProjector | null> {
  const absolute = resolve(modelPath);
  const modelName = basename(absolute);
  let folder = dirname(absolute);
  let where = `next to ${modelName}`;
  let ranked = await projectorsIn(folder, modelName);
  if (!ranked.length) {
    for (const other of await otherSnapshotDirs(folder)) {
      ranked = await projectorsIn(other.folder, modelName);
      if (ranked.length) {
        folder = other.folder;
        where = `in another download of the same Hugging Face repository (snapshot ${other.revision})`;
        break;
      }
    }
  }
  const [best] = ranked;
  if (!best) return null;
  const path = join(folder, best);
  const bytes = (await stat(path)).size;
  const reason =
    ranked.length === 1
      ? `the only mmproj file ${where}`
      : `of ${ranked.length} mmproj files ${where}, the one whose name shares the most words with ${modelName} (others: ${ranked.slice(1).join(', ')})`;
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
