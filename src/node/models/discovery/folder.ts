// Folders the user names (--folder, settings): any *.gguf inside, a few levels down.
import path from 'node:path';
import { expandHome } from './paths';
import type { ModelSource, SearchContext } from './search-state';
import { collectGguf } from './walk';

const FOLDER_DEPTH = 6;

function userFolderRoots(ctx: SearchContext): string[] {
  return ctx.extraFolders.filter((f) => f.trim() !== '').map((f) => path.resolve(expandHome(f, ctx.home)));
}

export const folderSource: ModelSource = {
  source: 'folder',
  roots: userFolderRoots,
  searchRoot: (ctx, report) => collectGguf(ctx, report, report.path, FOLDER_DEPTH),
};
