// Finds the GGUF files people already have (LM Studio, Ollama, the Hugging Face cache,
// node-llama-cpp, folders they name), so the report can size them from their real bytes.
// Bounded and defensive: a missing folder is reported, never thrown; each candidate file is
// opened only to read its 4-byte magic.
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type DiscoverySource = 'lm-studio' | 'ollama' | 'huggingface' | 'node-llama-cpp' | 'folder';

export const DISCOVERY_SOURCES: readonly DiscoverySource[] = ['lm-studio', 'ollama', 'huggingface', 'node-llama-cpp', 'folder'];

export interface DiscoveredModel {
  /** Absolute path of the real file (symlinks resolved; for a split model, its first part). */
  path: string;
  displayName: string;
  source: DiscoverySource;
  /** Bytes on disk; for a split model, all parts found together. */
  bytes: number;
  /** ISO time of the file's last modification (the first part's, for a split model). */
  modifiedAt: string;
  /** The name Ollama shows, e.g. "llama3.1:8b" or "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M". */
  ollamaName?: string;
  /** Hugging Face repository, e.g. "bartowski/Llama-3.2-1B-Instruct-GGUF". */
  hfRepo?: string;
  /** LM Studio's publisher/repo folder, e.g. "lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF". */
  lmStudioRepo?: string;
  /** For a multi-part GGUF (`-00001-of-00003.gguf`): which part `path` is and how many there are. */
  shardOf?: { index: number; total: number };
}

export type SearchStatus = 'ok' | 'missing' | 'error';

export interface SearchedLocation {
  source: DiscoverySource;
  path: string;
  status: SearchStatus;
  detail?: string;
}

export interface DiscoveryResult {
  models: DiscoveredModel[];
  searched: SearchedLocation[];
}

export interface DiscoverOptions {
  /** The user's home folder; defaults to os.homedir(). */
  home?: string;
  /** Environment to read OLLAMA_MODELS, HF_HUB_CACHE, HF_HOME... from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Decides platform-only locations (the Linux Ollama service folder, LM Studio's app settings). */
  platform?: NodeJS.Platform;
  /** More folders to walk recursively for *.gguf. */
  extraFolders?: string[];
  /** Files opened at most (GGUF candidates and Ollama manifests together). Default 500. */
  maxFiles?: number;
  /** Time limit for the whole search. Default 3000 ms. */
  timeoutMs?: number;
}

export const DEFAULT_MAX_FILES = 500;
export const DEFAULT_TIMEOUT_MS = 3000;

/** node-llama-cpp's `cliModelsDirectory` (dist/config.js): path.join(os.homedir(), ".node-llama-cpp", "models"). */
const NODE_LLAMA_CPP_MODELS = ['.node-llama-cpp', 'models'];
/** Ollama's layer media type for the model weights (the GGUF). */
export const OLLAMA_MODEL_MEDIA_TYPE = 'application/vnd.ollama.image.model';
const OLLAMA_DEFAULT_REGISTRY = 'registry.ollama.ai';
const OLLAMA_DEFAULT_NAMESPACE = 'library';
/** Where the official Linux install script runs Ollama as the `ollama` user. */
const OLLAMA_LINUX_SERVICE_MODELS = '/usr/share/ollama/.ollama/models';

/** llama.cpp's gguf-split naming, the same pattern node-llama-cpp resolves. */
const SPLIT_PART = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;
const GGUF_MAGIC = 'GGUF';
const MAX_JSON_BYTES = 1024 * 1024;
const LM_STUDIO_DEPTH = 4;
const HF_SNAPSHOT_DEPTH = 6;
const NODE_LLAMA_CPP_DEPTH = 2;
const FOLDER_DEPTH = 6;

type StopReason = 'timeout' | 'max-files';

class Budget {
  filesOpened = 0;
  stopped: StopReason | null = null;
  constructor(
    readonly deadline: number,
    readonly maxFiles: number,
    readonly timeoutMs: number,
  ) {}

  exhausted(): boolean {
    if (this.stopped) return true;
    if (Date.now() >= this.deadline) this.stopped = 'timeout';
    return this.stopped !== null;
  }

  /** Claims one file to open; false once the file or time budget is spent. */
  takeFile(): boolean {
    if (this.exhausted()) return false;
    if (this.filesOpened >= this.maxFiles) {
      this.stopped = 'max-files';
      return false;
    }
    this.filesOpened += 1;
    return true;
  }
}

function stopNote(reason: StopReason | null, budget: Budget): string {
  return reason === 'max-files' ? `stopped early: the limit of ${budget.maxFiles} files was reached` : `stopped early: the ${budget.timeoutMs} ms time limit ran out`;
}

/** What one location yielded, turned into a SearchedLocation at the end. */
class LocationReport {
  status: SearchStatus | 'pending' = 'pending';
  /** False while its search runs; a search cut off by the time limit stays false. */
  done = false;
  errorDetail?: string;
  stoppedEarly: StopReason | null = null;
  notGguf = 0;
  projectors = 0;
  unreadable: string[] = [];
  notes: string[] = [];
  constructor(
    readonly source: DiscoverySource,
    readonly path: string,
  ) {}

  toSearched(budget: Budget): SearchedLocation {
    if (this.status === 'pending') {
      return { source: this.source, path: this.path, status: 'error', detail: stopNote(budget.stopped, budget).replace('stopped early', 'not searched') };
    }
    if (!this.done) this.stoppedEarly ??= budget.stopped ?? 'timeout';
    const parts: string[] = [];
    if (this.errorDetail) parts.push(this.errorDetail);
    parts.push(...this.notes);
    if (this.notGguf) parts.push(`${this.notGguf} .gguf file${this.notGguf === 1 ? ' is' : 's are'} not GGUF (no "GGUF" magic), skipped`);
    if (this.projectors) parts.push(`${this.projectors} vision projector (mmproj) file${this.projectors === 1 ? '' : 's'} skipped`);
    if (this.unreadable.length) {
      const shown = this.unreadable.slice(0, 3).join('; ');
      parts.push(`could not read ${this.unreadable.length} item${this.unreadable.length === 1 ? '' : 's'}: ${shown}${this.unreadable.length > 3 ? '; ...' : ''}`);
    }
    if (this.stoppedEarly) parts.push(stopNote(this.stoppedEarly, budget));
    const searched: SearchedLocation = { source: this.source, path: this.path, status: this.status };
    if (parts.length) searched.detail = parts.join('; ');
    return searched;
  }
}

interface Candidate {
  source: DiscoverySource;
  /** The path as found (an HF snapshot symlink, an LM Studio file): names and split parts come from it. */
  seenPath: string;
  realPath: string;
  bytes: number;
  mtimeMs: number;
  ollamaName?: string;
  hfRepo?: string;
  lmStudioRepo?: string;
}

interface Context {
  home: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  budget: Budget;
  reports: LocationReport[];
  candidates: Candidate[];
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isMissing(error: unknown): boolean {
  return errorCode(error) === 'ENOENT';
}

function expandHome(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(home, p.slice(2));
  return p;
}

/** Environment values as Ollama reads them (quotes and spaces trimmed); empty means unset. */
function envPath(env: NodeJS.ProcessEnv, name: string, home: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim().replace(/^["']+|["']+$/g, '').trim();
  return value ? path.resolve(expandHome(value, home)) : undefined;
}

async function hasGgufMagic(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return bytesRead === 4 && buffer.toString('latin1') === GGUF_MAGIC;
  } finally {
    await handle.close();
  }
}

async function readSmallJson(file: string): Promise<unknown> {
  const stats = await fs.stat(file);
  if (!stats.isFile()) throw new Error('not a file');
  if (stats.size > MAX_JSON_BYTES) throw new Error(`larger than ${MAX_JSON_BYTES} bytes`);
  return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
}

function isProjectorName(name: string): boolean {
  return name.toLowerCase().startsWith('mmproj');
}

/**
 * Resolves, sizes and magic-checks one candidate file. Null when it is not a GGUF, cannot be
 * read, or the budget is spent (noted on the report either way).
 */
async function inspectCandidate(ctx: Context, report: LocationReport, seenPath: string): Promise<Omit<Candidate, 'source'> | null> {
  if (!ctx.budget.takeFile()) {
    report.stoppedEarly ??= ctx.budget.stopped;
    return null;
  }
  try {
    const realPath = await fs.realpath(seenPath);
    const stats = await fs.stat(realPath);
    if (!stats.isFile()) return null;
    if (!(await hasGgufMagic(realPath))) {
      report.notGguf += 1;
      return null;
    }
    return { seenPath, realPath, bytes: stats.size, mtimeMs: stats.mtimeMs };
  } catch (error) {
    report.unreadable.push(`${seenPath} (${errorCode(error) ?? errorMessage(error)})`);
    return null;
  }
}

/** Marks the report from the root's state; true when the root is a readable folder. */
async function openRoot(report: LocationReport): Promise<boolean> {
  let stats: Stats;
  try {
    stats = await fs.stat(report.path);
  } catch (error) {
    if (isMissing(error)) {
      report.status = 'missing';
      return false;
    }
    report.status = 'error';
    report.errorDetail = errorMessage(error);
    return false;
  }
  if (!stats.isDirectory()) {
    report.status = 'error';
    report.errorDetail = 'not a folder';
    return false;
  }
  try {
    await fs.access(report.path, fs.constants.R_OK | fs.constants.X_OK);
  } catch (error) {
    report.status = 'error';
    report.errorDetail = errorMessage(error);
    return false;
  }
  report.status = 'ok';
  return true;
}

/** A folder's entries, or null with the folder noted as unreadable. */
async function readDirOrNote(dir: string, report: LocationReport): Promise<Dirent[] | null> {
  try {
    return await readDirSorted(dir);
  } catch (error) {
    report.unreadable.push(`${dir} (${errorCode(error) ?? errorMessage(error)})`);
    return null;
  }
}

/** True, and noted, once the time or file budget has run out. */
function outOfBudget(ctx: Context, report: LocationReport): boolean {
  if (!ctx.budget.exhausted()) return false;
  report.stoppedEarly ??= ctx.budget.stopped;
  return true;
}

async function readDirSorted(dir: string): Promise<Dirent[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Follows a symlinked entry to learn whether it is a folder or a file; null when dangling. */
async function entryKind(dir: string, entry: Dirent): Promise<'dir' | 'file' | null> {
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

/**
 * Walks `root` for *.gguf up to `maxDepth` folders down. Symlinked folders are followed once
 * (by real path), so a link back up the tree ends the branch instead of looping.
 * `onFile` gets the path as found and its parts relative to the root.
 */
async function walkGguf(
  ctx: Context,
  report: LocationReport,
  root: string,
  maxDepth: number,
  onFile: (seenPath: string, relParts: string[]) => Promise<void>,
): Promise<void> {
  const visited = new Set<string>();
  const visit = async (dir: string, depth: number, rel: string[]): Promise<void> => {
    if (ctx.budget.exhausted()) {
      report.stoppedEarly ??= ctx.budget.stopped;
      return;
    }
    let real: string;
    try {
      real = await fs.realpath(dir);
    } catch (error) {
      report.unreadable.push(`${dir} (${errorCode(error) ?? errorMessage(error)})`);
      return;
    }
    if (visited.has(real)) return;
    visited.add(real);
    const entries = await readDirOrNote(dir, report);
    if (!entries) return;
    for (const entry of entries) {
      if (outOfBudget(ctx, report)) return;
      const kind = await entryKind(dir, entry);
      const full = path.join(dir, entry.name);
      if (kind === 'dir') {
        if (depth < maxDepth) await visit(full, depth + 1, [...rel, entry.name]);
      } else if (kind === 'file' && entry.name.toLowerCase().endsWith('.gguf')) {
        if (isProjectorName(entry.name)) {
          report.projectors += 1;
          continue;
        }
        await onFile(full, [...rel, entry.name]);
      }
    }
  };
  await visit(root, 0, []);
}

// ---------------------------------------------------------------------------------------------
// Locations

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

const MODELS_FOLDER_KEY = /^(downloads?|models?)(Folder|Dir|Directory|Path)$/i;

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

async function lmStudioRoots(ctx: Context): Promise<string[]> {
  const homes = await lmStudioHomes(ctx.home);
  const roots = homes.map((h) => path.join(h, 'models'));
  const settingsFiles = [...homes.map((h) => path.join(h, 'settings.json')), path.join(lmStudioAppDataDir(ctx.home, ctx.env, ctx.platform), 'settings.json')];
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

function ollamaRoots(ctx: Context): string[] {
  const roots: string[] = [];
  const fromEnv = envPath(ctx.env, 'OLLAMA_MODELS', ctx.home);
  if (fromEnv) roots.push(fromEnv);
  // The server may run with a different environment than this process, so the default is searched too.
  roots.push(path.join(ctx.home, '.ollama', 'models'));
  if (ctx.platform === 'linux') roots.push(OLLAMA_LINUX_SERVICE_MODELS);
  return roots;
}

/** huggingface_hub's constants: HF_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
export function huggingFaceCacheDir(home: string, env: NodeJS.ProcessEnv): string {
  const hubCache = envPath(env, 'HF_HUB_CACHE', home) ?? envPath(env, 'HUGGINGFACE_HUB_CACHE', home);
  if (hubCache) return hubCache;
  const hfHome = envPath(env, 'HF_HOME', home);
  if (hfHome) return path.join(hfHome, 'hub');
  const xdgCache = envPath(env, 'XDG_CACHE_HOME', home);
  return path.join(xdgCache ?? path.join(home, '.cache'), 'huggingface', 'hub');
}

// ---------------------------------------------------------------------------------------------
// Searches

async function searchLmStudio(ctx: Context, report: LocationReport): Promise<void> {
  if (!(await openRoot(report))) return;
  await walkGguf(ctx, report, report.path, LM_STUDIO_DEPTH, async (seenPath, rel) => {
    const found = await inspectCandidate(ctx, report, seenPath);
    if (!found) return;
    const candidate: Candidate = { source: 'lm-studio', ...found };
    if (rel.length >= 3) candidate.lmStudioRepo = `${rel[0]}/${rel[1]}`;
    ctx.candidates.push(candidate);
  });
}

/** "llama3.1:8b" for the library, "user/model:tag" on the default registry, "host/ns/model:tag" elsewhere. */
export function ollamaDisplayName(host: string, namespace: string, model: string, tag: string): string {
  if (host === OLLAMA_DEFAULT_REGISTRY && namespace === OLLAMA_DEFAULT_NAMESPACE) return `${model}:${tag}`;
  if (host === OLLAMA_DEFAULT_REGISTRY) return `${namespace}/${model}:${tag}`;
  return `${host}/${namespace}/${model}:${tag}`;
}

/** The digest of the manifest's model layer, or null when it has none. */
export function ollamaModelDigest(manifest: unknown): string | null {
  if (!manifest || typeof manifest !== 'object') return null;
  const layers = (manifest as { layers?: unknown }).layers;
  if (!Array.isArray(layers)) return null;
  for (const layer of layers) {
    if (!layer || typeof layer !== 'object') continue;
    const { mediaType, digest } = layer as { mediaType?: unknown; digest?: unknown };
    if (mediaType !== OLLAMA_MODEL_MEDIA_TYPE || typeof digest !== 'string') continue;
    const match = /^sha256[:-]([0-9a-f]{64})$/i.exec(digest);
    if (match?.[1]) return match[1].toLowerCase();
  }
  return null;
}

async function searchOllama(ctx: Context, report: LocationReport): Promise<void> {
  if (!(await openRoot(report))) return;
  const manifestsDir = path.join(report.path, 'manifests');
  const blobsDir = path.join(report.path, 'blobs');
  try {
    await fs.readdir(manifestsDir);
  } catch (error) {
    if (isMissing(error)) {
      report.notes.push('no manifests folder');
    } else {
      report.status = 'error';
      report.errorDetail = errorMessage(error);
    }
    return;
  }
  let withoutModel = 0;
  let unparsable = 0;
  let missingBlobs = 0;
  // manifests/<host>/<namespace>/<model>/<tag>: the tag is a JSON file.
  await walkManifests(ctx, report, manifestsDir, async (file, [host, namespace, model, tag]) => {
    if (!ctx.budget.takeFile()) {
      report.stoppedEarly ??= ctx.budget.stopped;
      return;
    }
    let manifest: unknown;
    try {
      manifest = await readSmallJson(file);
    } catch {
      unparsable += 1;
      return;
    }
    const digest = ollamaModelDigest(manifest);
    if (!digest) {
      withoutModel += 1;
      return;
    }
    // Blobs are named sha256-<hex>; very old versions used sha256:<hex> where the file system allows it.
    let blob = path.join(blobsDir, `sha256-${digest}`);
    try {
      await fs.access(blob);
    } catch {
      const legacy = path.join(blobsDir, `sha256:${digest}`);
      try {
        await fs.access(legacy);
        blob = legacy;
      } catch {
        missingBlobs += 1;
        return;
      }
    }
    const found = await inspectCandidate(ctx, report, blob);
    if (!found) return;
    ctx.candidates.push({ source: 'ollama', ...found, ollamaName: ollamaDisplayName(host, namespace, model, tag), ...ollamaHfRepo(host, namespace, model) });
  });
  if (unparsable) report.notes.push(`${unparsable} manifest${unparsable === 1 ? '' : 's'} could not be parsed`);
  if (withoutModel) report.notes.push(`${withoutModel} manifest${withoutModel === 1 ? ' has' : 's have'} no model layer`);
  if (missingBlobs) report.notes.push(`${missingBlobs} model blob${missingBlobs === 1 ? ' is' : 's are'} missing`);
}

/** Models pulled with `ollama pull hf.co/<user>/<repo>:<quant>` keep their Hugging Face repository. */
function ollamaHfRepo(host: string, namespace: string, model: string): { hfRepo?: string } {
  return host === 'hf.co' || host === 'huggingface.co' ? { hfRepo: `${namespace}/${model}` } : {};
}

async function walkManifests(
  ctx: Context,
  report: LocationReport,
  dir: string,
  onManifest: (file: string, parts: [string, string, string, string]) => Promise<void>,
  rel: string[] = [],
): Promise<void> {
  if (outOfBudget(ctx, report)) return;
  const entries = await readDirOrNote(dir, report);
  if (!entries) return;
  for (const entry of entries) {
    if (outOfBudget(ctx, report)) return;
    const kind = await entryKind(dir, entry);
    const parts = [...rel, entry.name];
    if (kind === 'dir' && parts.length < 4) await walkManifests(ctx, report, path.join(dir, entry.name), onManifest, parts);
    else if (kind === 'file' && parts.length === 4) await onManifest(path.join(dir, entry.name), parts as [string, string, string, string]);
  }
}

async function searchHuggingFace(ctx: Context, report: LocationReport): Promise<void> {
  if (!(await openRoot(report))) return;
  let entries: Dirent[];
  try {
    entries = await readDirSorted(report.path);
  } catch (error) {
    report.status = 'error';
    report.errorDetail = errorMessage(error);
    return;
  }
  for (const entry of entries) {
    if (ctx.budget.exhausted()) {
      report.stoppedEarly ??= ctx.budget.stopped;
      return;
    }
    // models--<org>--<name>; datasets and spaces are not models.
    if (!entry.name.startsWith('models--') || (await entryKind(report.path, entry)) !== 'dir') continue;
    const hfRepo = entry.name.slice('models--'.length).split('--').join('/');
    const snapshots = path.join(report.path, entry.name, 'snapshots');
    try {
      await fs.access(snapshots);
    } catch {
      continue;
    }
    await walkGguf(ctx, report, snapshots, HF_SNAPSHOT_DEPTH, async (seenPath) => {
      const found = await inspectCandidate(ctx, report, seenPath);
      if (found) ctx.candidates.push({ source: 'huggingface', ...found, hfRepo });
    });
  }
}

async function searchFolder(ctx: Context, report: LocationReport, source: DiscoverySource, maxDepth: number): Promise<void> {
  if (!(await openRoot(report))) return;
  await walkGguf(ctx, report, report.path, maxDepth, async (seenPath) => {
    const found = await inspectCandidate(ctx, report, seenPath);
    if (found) ctx.candidates.push({ source, ...found });
  });
}

// ---------------------------------------------------------------------------------------------
// Results

/** Ollama often has the same blob under "model:latest" and "model:8b": keep the telling name. */
function preferCandidate(current: Candidate, other: Candidate): Candidate {
  if (current.source === 'ollama' && other.source === 'ollama') {
    const currentLatest = current.ollamaName?.endsWith(':latest') ?? false;
    const otherLatest = other.ollamaName?.endsWith(':latest') ?? false;
    if (currentLatest && !otherLatest) return other;
  }
  return current;
}

function stripGgufName(fileName: string): string {
  const split = SPLIT_PART.exec(fileName);
  const base = split?.[1] ?? fileName;
  return base.replace(/\.gguf$/i, '');
}

function toModel(candidate: Candidate, bytes: number, shardOf?: { index: number; total: number }): DiscoveredModel {
  const model: DiscoveredModel = {
    path: candidate.realPath,
    displayName: candidate.ollamaName ?? stripGgufName(path.basename(candidate.seenPath)),
    source: candidate.source,
    bytes,
    modifiedAt: new Date(candidate.mtimeMs).toISOString(),
  };
  if (candidate.ollamaName) model.ollamaName = candidate.ollamaName;
  if (candidate.hfRepo) model.hfRepo = candidate.hfRepo;
  if (candidate.lmStudioRepo) model.lmStudioRepo = candidate.lmStudioRepo;
  if (shardOf) model.shardOf = shardOf;
  return model;
}

function buildModels(candidates: readonly Candidate[]): DiscoveredModel[] {
  // One entry per real file: the first source that found it wins (the specific ones come first).
  const byReal = new Map<string, Candidate>();
  for (const candidate of candidates) {
    const existing = byReal.get(candidate.realPath);
    byReal.set(candidate.realPath, existing ? preferCandidate(existing, candidate) : candidate);
  }
  const models: DiscoveredModel[] = [];
  const splits = new Map<string, Array<{ candidate: Candidate; index: number; total: number }>>();
  for (const candidate of byReal.values()) {
    const match = SPLIT_PART.exec(path.basename(candidate.seenPath));
    const index = Number(match?.[2]);
    const total = Number(match?.[3]);
    if (match && index >= 1 && total >= 1 && index <= total) {
      const key = [candidate.source, path.dirname(candidate.seenPath), match[1], total].join('\0');
      const group = splits.get(key) ?? [];
      group.push({ candidate, index, total });
      splits.set(key, group);
    } else {
      models.push(toModel(candidate, candidate.bytes));
    }
  }
  for (const group of splits.values()) {
    group.sort((a, b) => a.index - b.index);
    const first = group[0];
    if (!first) continue;
    const bytes = group.reduce((sum, part) => sum + part.candidate.bytes, 0);
    models.push(toModel(first.candidate, bytes, { index: first.index, total: first.total }));
  }
  const order = (s: DiscoverySource): number => DISCOVERY_SOURCES.indexOf(s);
  return models.sort(
    (a, b) => order(a.source) - order(b.source) || (a.displayName < b.displayName ? -1 : a.displayName > b.displayName ? 1 : 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

function uniqueRoots(roots: string[]): string[] {
  return [...new Set(roots.map((r) => path.resolve(r)))];
}

/**
 * Finds GGUF models already on this machine. Never throws: every location searched is listed
 * with `ok`, `missing` or `error` (and why), and the search stops at `maxFiles` or `timeoutMs`,
 * returning what it found by then.
 */
export async function discoverModels(options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const timeoutMs = Math.max(0, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const budget = new Budget(Date.now() + timeoutMs, Math.max(0, options.maxFiles ?? DEFAULT_MAX_FILES), timeoutMs);
  const ctx: Context = {
    home: path.resolve(options.home ?? os.homedir()),
    env: options.env ?? process.env,
    platform: options.platform ?? process.platform,
    budget,
    reports: [],
    candidates: [],
  };

  const run = async (): Promise<void> => {
    const plan: Array<{ report: LocationReport; search: () => Promise<void> }> = [];
    const add = (source: DiscoverySource, roots: string[], search: (report: LocationReport) => Promise<void>): void => {
      for (const root of uniqueRoots(roots)) {
        const report = new LocationReport(source, root);
        ctx.reports.push(report);
        plan.push({ report, search: () => search(report) });
      }
    };
    add('lm-studio', await lmStudioRoots(ctx), (r) => searchLmStudio(ctx, r));
    add('ollama', ollamaRoots(ctx), (r) => searchOllama(ctx, r));
    add('huggingface', [huggingFaceCacheDir(ctx.home, ctx.env)], (r) => searchHuggingFace(ctx, r));
    add('node-llama-cpp', [path.join(ctx.home, ...NODE_LLAMA_CPP_MODELS)], (r) => searchFolder(ctx, r, 'node-llama-cpp', NODE_LLAMA_CPP_DEPTH));
    const extra = (options.extraFolders ?? []).filter((f) => f.trim() !== '').map((f) => path.resolve(expandHome(f, ctx.home)));
    add('folder', extra, (r) => searchFolder(ctx, r, 'folder', FOLDER_DEPTH));

    for (const step of plan) {
      if (budget.exhausted()) break;
      try {
        await step.search();
      } catch (error) {
        // Every search catches its own file errors; this is for the unforeseen.
        step.report.status = 'error';
        step.report.errorDetail = errorMessage(error);
      }
      step.report.done = true;
    }
  };

  // A hung file system call (a sleeping network drive) cannot be cancelled, so the time limit
  // also races the whole search; what was found by then is returned.
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      budget.stopped ??= 'timeout';
      resolve();
    }, timeoutMs + 50);
    timer.unref?.();
  });
  try {
    await Promise.race([run().catch(() => undefined), timedOut]);
  } finally {
    clearTimeout(timer);
  }

  return {
    models: buildModels([...ctx.candidates]),
    searched: ctx.reports.map((report) => report.toSearched(budget)),
  };
}
