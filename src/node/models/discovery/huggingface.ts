// The Hugging Face cache keeps models--<org>--<name>/snapshots/<revision>/... as symlinks into
// the repository's blobs; datasets and spaces live beside them and are skipped.
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { envPath } from './paths';
import type { LocationReport, ModelSource, SearchContext } from './search-state';
import { collectGguf, entryKind, errorMessage, outOfBudget, readDirSorted } from './walk';

const HF_SNAPSHOT_DEPTH = 6;
const MODEL_FOLDER_PREFIX = 'models--';

/** huggingface_hub's constants: HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
export function huggingFaceCacheDir(home: string, env: NodeJS.ProcessEnv): string {
  const hubCache = envPath(env, 'HF_HUB_CACHE', home) ?? envPath(env, 'HUGGINGFACE_HUB_CACHE', home);
  if (hubCache) return hubCache;
  const hfHome = envPath(env, 'HF_HOME', home);
  if (hfHome) return path.join(hfHome, 'hub');
  const xdgCache = envPath(env, 'XDG_CACHE_HOME', home);
  return path.join(xdgCache ?? path.join(home, '.cache'), 'huggingface', 'hub');
}

/** The repository a models--<org>--<name> folder caches, or null for anything else. */
async function cachedModelRepo(cacheDir: string, entry: Dirent): Promise<string | null> {
  if (!entry.name.startsWith(MODEL_FOLDER_PREFIX) || (await entryKind(cacheDir, entry)) !== 'dir') return null;
  return entry.name.slice(MODEL_FOLDER_PREFIX.length).split('--').join('/');
}

async function searchCacheRoot(ctx: SearchContext, report: LocationReport): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readDirSorted(report.path);
  } catch (error) {
    report.fail(errorMessage(error));
    return;
  }
  for (const entry of entries) {
    if (outOfBudget(ctx, report)) return;
    const hfRepo = await cachedModelRepo(report.path, entry);
    if (!hfRepo) continue;
    const snapshots = path.join(report.path, entry.name, 'snapshots');
    try {
      await fs.access(snapshots);
    } catch {
      continue;
    }
    await collectGguf(ctx, report, snapshots, HF_SNAPSHOT_DEPTH, () => ({ hfRepo }));
  }
}

export const huggingFaceSource: ModelSource = {
  source: 'huggingface',
  roots: (ctx) => [huggingFaceCacheDir(ctx.home, ctx.env)],
  searchRoot: searchCacheRoot,
};
