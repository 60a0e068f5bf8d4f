// The bounded, defensive file system work every source shares: checking a root, walking folders
// within the budget, and sniffing candidate files. A file that cannot be read is noted on the
// location's report, never thrown; each candidate is opened only to read its 4-byte magic.
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import type { Candidate, CandidateOrigin, LocationReport, SearchContext } from './search-state';
import { rankProjectors } from '../../../core/projector';
import { GGUF_MAGIC } from '../../../core/gguf-types';
import { MiB } from '../../../shared/units';

const MAX_JSON_BYTES = MiB;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isMissing(error: unknown): boolean {
  return errorCode(error) === 'ENOENT';
}

function noteUnreadable(report: LocationReport, item: string, error: unknown): void {
  report.unreadable.push(`${item} (${errorCode(error) ?? errorMessage(error)})`);
}

/** True, and noted, once the time or file budget has run out. */
export function outOfBudget(ctx: SearchContext, report: LocationReport): boolean {
  if (!ctx.budget.exhausted()) return false;
  report.noteStop(ctx.budget);
  return true;
}

/** Claims one file to open; false, and noted, once the time or file budget has run out. */
export function takeFile(ctx: SearchContext, report: LocationReport): boolean {
  if (ctx.budget.takeFile()) return true;
  report.noteStop(ctx.budget);
  return false;
}

async function hasGgufMagic(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return bytesRead === 4 && buffer.readUInt32LE(0) === GGUF_MAGIC;
  } finally {
    await handle.close();
  }
}

export async function readSmallJson(file: string): Promise<unknown> {
  const stats = await fs.stat(file);
  if (!stats.isFile()) throw new Error('not a file');
  if (stats.size > MAX_JSON_BYTES) throw new Error(`larger than ${MAX_JSON_BYTES} bytes`);
  return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
}

function isProjectorName(name: string): boolean {
  return name.toLowerCase().startsWith('mmproj');
}

/** Gives each candidate found in a folder that also holds mmproj files the one whose name is closest to its own. */
async function pairProjectors(added: readonly Candidate[], projectorsByDir: ReadonlyMap<string, string[]>): Promise<void> {
  for (const candidate of added) {
    const dir = path.dirname(candidate.seenPath);
    const [best] = rankProjectors(path.basename(candidate.seenPath), projectorsByDir.get(dir) ?? []);
    if (!best) continue;
    const projectorPath = path.join(dir, best);
    try {
      candidate.mmproj = { path: projectorPath, bytes: (await fs.stat(projectorPath)).size };
    } catch {
      // A dangling projector link pairs with nothing; the model is listed without it.
    }
  }
}

/**
 * Resolves, sizes and magic-checks one file and adds it to ctx.candidates when it is a GGUF.
 * A file that is not a GGUF, cannot be read, or is past the budget is noted on the report instead.
 */
export async function addCandidate(ctx: SearchContext, report: LocationReport, seenPath: string, origin: CandidateOrigin): Promise<void> {
  if (!takeFile(ctx, report)) return;
  try {
    const realPath = await fs.realpath(seenPath);
    const stats = await fs.stat(realPath);
    if (!stats.isFile()) return;
    if (!(await hasGgufMagic(realPath))) {
      report.notGguf += 1;
      return;
    }
    ctx.candidates.push({ source: report.source, seenPath, realPath, bytes: stats.size, mtimeMs: stats.mtimeMs, ...origin });
  } catch (error) {
    noteUnreadable(report, seenPath, error);
  }
}

/** Marks the report from the root's state; true when the root is a readable folder. */
export async function openRoot(report: LocationReport): Promise<boolean> {
  let stats: Stats;
  try {
    stats = await fs.stat(report.path);
  } catch (error) {
    if (isMissing(error)) report.status = 'missing';
    else report.fail(errorMessage(error));
    return false;
  }
  if (!stats.isDirectory()) {
    report.fail('not a folder');
    return false;
  }
  try {
    await fs.access(report.path, fs.constants.R_OK | fs.constants.X_OK);
  } catch (error) {
    report.fail(errorMessage(error));
    return false;
  }
  report.status = 'ok';
  return true;
}

export async function readDirSorted(dir: string): Promise<Dirent[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A folder's entries, or null with the folder noted as unreadable. */
async function readDirOrNote(dir: string, report: LocationReport): Promise<Dirent[] | null> {
  try {
    return await readDirSorted(dir);
  } catch (error) {
    noteUnreadable(report, dir, error);
    return null;
  }
}

/** Follows a symlinked entry to learn whether it is a folder or a file; null when dangling. */
export async function entryKind(dir: string, entry: Dirent): Promise<'dir' | 'file' | null> {
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink()) return null;
  try {
    const stats = await fs.stat(path.join(dir, entry.name));
    return stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

/** True the first time a folder's real path is seen; a folder that cannot be resolved is noted. */
async function firstVisit(dir: string, visitedRealPaths: Set<string>, report: LocationReport): Promise<boolean> {
  let realPath: string;
  try {
    realPath = await fs.realpath(dir);
  } catch (error) {
    noteUnreadable(report, dir, error);
    return false;
  }
  if (visitedRealPaths.has(realPath)) return false;
  visitedRealPaths.add(realPath);
  return true;
}

export interface WalkLimits {
  /** How many folders below the root the walk enters at most. */
  maxDepth: number;
  /** Enter each real folder once, so a symlink back up the tree ends the branch instead of looping. */
  onceByRealPath: boolean;
}

/**
 * Walks `root` in name order within the budget, calling `onFile` with each file's path as found
 * and its parts relative to the root. Symlinks are followed; dangling ones are skipped.
 */
export async function walkFiles(
  ctx: SearchContext,
  report: LocationReport,
  root: string,
  limits: WalkLimits,
  onFile: (filePath: string, relParts: string[]) => Promise<void>,
): Promise<void> {
  const visitedRealPaths = new Set<string>();
  const visit = async (dir: string, rel: string[]): Promise<void> => {
    if (outOfBudget(ctx, report)) return;
    if (limits.onceByRealPath && !(await firstVisit(dir, visitedRealPaths, report))) return;
    const entries = await readDirOrNote(dir, report);
    if (!entries) return;
    for (const entry of entries) {
      if (outOfBudget(ctx, report)) return;
      const kind = await entryKind(dir, entry);
      const entryPath = path.join(dir, entry.name);
      if (kind === 'dir' && rel.length < limits.maxDepth) await visit(entryPath, [...rel, entry.name]);
      else if (kind === 'file') await onFile(entryPath, [...rel, entry.name]);
    }
  };
  await visit(root, []);
}

/**
 * Adds every GGUF up to `maxDepth` folders below `root` as a candidate, named by `origin` from
 * its path relative to the root. Vision projectors (mmproj) are counted, not added: each model in their
 * folder carries the closest one (the most words shared with its name).
 */
export async function collectGguf(
  ctx: SearchContext,
  report: LocationReport,
  root: string,
  maxDepth: number,
  origin: (relParts: string[]) => CandidateOrigin = () => ({}),
): Promise<void> {
  const firstAdded = ctx.candidates.length;
  const projectorsByDir = new Map<string, string[]>();
  await walkFiles(ctx, report, root, { maxDepth, onceByRealPath: true }, async (filePath, relParts) => {
    const name = path.basename(filePath);
    if (!name.toLowerCase().endsWith('.gguf')) return;
    if (isProjectorName(name)) {
      report.projectors += 1;
      const dir = path.dirname(filePath);
      projectorsByDir.set(dir, [...(projectorsByDir.get(dir) ?? []), name]);
    } else await addCandidate(ctx, report, filePath, origin(relParts));
  });
  if (projectorsByDir.size > 0) await pairProjectors(ctx.candidates.slice(firstAdded), projectorsByDir);
}
