// LM Studio keeps models as models/<publisher>/<repo>/*.gguf under its home folder, or under a
// downloads folder the user picked (recorded in a settings.json).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expandHome } from './paths';
import type { CandidateOrigin, ModelSource, SearchContext } from './search-state';
import { collectGguf, readSmallJson } from './walk';

const LM_STUDIO_DEPTH = 4;
const MODELS_FOLDER_KEY = /^(downloads?|models?)(Folder|Dir|Directory|Path)$/i;

/** LM Studio's home folders: the one named by ~/.lmstudio-home-pointer, the current and the legacy. */
async function lmStudioHomes(home: string): Promise<string[]> {
  const homes: string[] = [];
  try {
    const pointer = await fs.readFile(path.join(home, '.lmstudio-home-pointer'), 'utf8');
    const first = pointer.split(/\r?\n/)[0]?.trim() ?? '';
    if (first && path.isAbsolute(first)) homes.push(path.resolve(first));
  } catch {
    // No pointer: LM Studio uses ~/.lmstudio.
  }
  homes.push(path.join(home, '.lmstudio'), path.join(home, '.cache', 'lm-studio'));
  return homes;
}

/** The Electron userData folder of older LM Studio versions, which also kept a settings.json. */
function lmStudioAppDataDir(home: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'LM Studio');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'LM Studio');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'LM Studio');
}

/** A custom models folder recorded in an LM Studio settings.json ("downloadsFolder"), if any. */
export function modelsFolderFromLmStudioSettings(settings: unknown, home: string): string | undefined {
  if (!settings || typeof settings !== 'object' || Array.isArray(settings)) return undefined;
  const record = settings as Record<string, unknown>;
  const keys = ['downloadsFolder', ...Object.keys(record).filter((k) => k !== 'downloadsFolder' && MODELS_FOLDER_KEY.test(k))];
  for (const key of keys) {
    const value = record[key];
    if (typeof value !== 'string' || !value.trim()) continue;
    const expanded = expandHome(value.trim(), home);
    if (path.isAbsolute(expanded)) return path.resolve(expanded);
  }
  return undefined;
}

async function lmStudioRoots(ctx: SearchContext): Promise<string[]> {
  const homes = await lmStudioHomes(ctx.home);
  const roots = homes.map((h) => path.join(h, 'models'));
  const settingsFiles = [
    ...homes.map((h) => path.join(h, 'settings.json')),
    path.join(lmStudioAppDataDir(ctx.home, ctx.env, ctx.platform), 'settings.json'),
  ];
  for (const file of settingsFiles) {
    try {
      const folder = modelsFolderFromLmStudioSettings(await readSmallJson(file), ctx.home);
      if (folder) roots.push(folder);
    } catch {
      // No settings, or unreadable: the default folders still get searched.
    }
  }
  return roots;
}

/** Files at <publisher>/<repo>/... carry their repository; loose files do not. */
function lmStudioOrigin(relParts: string[]): CandidateOrigin {
  return relParts.length >= 3 ? { lmStudioRepo: `${relParts[0]}/${relParts[1]}` } : {};
}

export const lmStudioSource: ModelSource = {
  source: 'lm-studio',
  roots: lmStudioRoots,
  searchRoot: (ctx, report) => collectGguf(ctx, report, report.path, LM_STUDIO_DEPTH, lmStudioOrigin),
};
