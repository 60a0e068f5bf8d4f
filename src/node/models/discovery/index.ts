// Finds the GGUF files people already have (LM Studio, Ollama, the Hugging Face cache, llama.cpp's cache,
// node-llama-cpp, folders they name), so the report can size them from their real bytes.
// This file runs the sources within one file and time budget and merges what they found;
// each source's layout lives in its own file, the shared bounded walk in walk.ts.
import os from 'node:os';
import path from 'node:path';
import { folderSource } from './folder';
import { huggingFaceSource } from './huggingface';
import { llamaCppSource } from './llama-cpp';
import { lmStudioSource } from './lm-studio';
import { nodeLlamaCppSource } from './node-llama-cpp';
import { ollamaSource } from './ollama';
import { Budget, LocationReport, type Candidate, type ModelSource, type SearchContext } from './search-state';
import {
  DEFAULT_MAX_FILES,
  DEFAULT_TIMEOUT_MS,
  DISCOVERY_SOURCES,
  type DiscoveredModel,
  type DiscoverOptions,
  type DiscoveryResult,
  type DiscoverySource,
} from './types';
import { errorMessage, openRoot } from './walk';

export type { DiscoveredModel, DiscoverOptions, DiscoveryResult } from './types';

/** In DISCOVERY_SOURCES order: the specific sources first, so they win a file found twice. */
const MODEL_SOURCES: readonly ModelSource[] = [
  lmStudioSource,
  ollamaSource,
  huggingFaceSource,
  llamaCppSource,
  nodeLlamaCppSource,
  folderSource,
];
/** llama.cpp's gguf-split naming, the same pattern node-llama-cpp resolves. */
const SPLIT_PART = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;
/** How long past the time limit the race waits, so the budget's own deadline check usually ends the search first. */
const TIMER_GRACE_MS = 50;

interface PlannedSearch {
  report: LocationReport;
  source: ModelSource;
}

interface SplitPart {
  candidate: Candidate;
  stem: string;
  index: number;
  total: number;
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

/** One candidate per real file: the first source that found it wins (the specific ones come first). */
function onePerRealFile(candidates: readonly Candidate[]): Candidate[] {
  const byRealPath = new Map<string, Candidate>();
  for (const candidate of candidates) {
    const existing = byRealPath.get(candidate.realPath);
    byRealPath.set(candidate.realPath, existing ? preferCandidate(existing, candidate) : candidate);
  }
  return [...byRealPath.values()];
}

function splitPartOf(candidate: Candidate): SplitPart | null {
  const match = SPLIT_PART.exec(path.basename(candidate.seenPath));
  const index = Number(match?.[2]);
  const total = Number(match?.[3]);
  if (!match || !(index >= 1 && total >= 1 && index <= total)) return null;
  return { candidate, stem: match[1] ?? '', index, total };
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
  if (candidate.mmproj) model.mmproj = candidate.mmproj;
  return model;
}

/** The parts of one split model found together, as one model at its first part with all their bytes. */
function joinSplitParts(parts: SplitPart[]): DiscoveredModel | null {
  const [first] = [...parts].sort((a, b) => a.index - b.index);
  if (!first) return null;
  const bytes = parts.reduce((sum, part) => sum + part.candidate.bytes, 0);
  return toModel(first.candidate, bytes, { index: first.index, total: first.total });
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareModels(a: DiscoveredModel, b: DiscoveredModel): number {
  const order = (s: DiscoverySource): number => DISCOVERY_SOURCES.indexOf(s);
  return order(a.source) - order(b.source) || compareText(a.displayName, b.displayName) || compareText(a.path, b.path);
}

function buildModels(candidates: readonly Candidate[]): DiscoveredModel[] {
  const models: DiscoveredModel[] = [];
  const splits = new Map<string, SplitPart[]>();
  for (const candidate of onePerRealFile(candidates)) {
    const part = splitPartOf(candidate);
    if (!part) {
      models.push(toModel(candidate, candidate.bytes));
      continue;
    }
    const key = [candidate.source, path.dirname(candidate.seenPath), part.stem, part.total].join('\0');
    splits.set(key, [...(splits.get(key) ?? []), part]);
  }
  for (const parts of splits.values()) {
    const model = joinSplitParts(parts);
    if (model) models.push(model);
  }
  return models.sort(compareModels);
}

// ---------------------------------------------------------------------------------------------
// Searches

function uniqueRoots(roots: string[]): string[] {
  return [...new Set(roots.map((r) => path.resolve(r)))];
}

/** Lists every root of every source as a pending report, so one never reached still shows. */
async function planSearches(ctx: SearchContext, planned: PlannedSearch[]): Promise<void> {
  for (const source of MODEL_SOURCES) {
    for (const root of uniqueRoots(await source.roots(ctx))) {
      planned.push({ report: new LocationReport(source.source, root), source });
    }
  }
}

/** One root at a time, in plan order, until the budget runs out. */
async function runSearches(ctx: SearchContext, planned: PlannedSearch[]): Promise<void> {
  await planSearches(ctx, planned);
  for (const { report, source } of planned) {
    if (ctx.budget.exhausted()) break;
    try {
      if (await openRoot(report)) await source.searchRoot(ctx, report);
    } catch (error) {
      // Every search catches its own file errors; this is for the unforeseen.
      report.fail(errorMessage(error));
    }
    report.done = true;
  }
}

// A hung file system call (a sleeping network drive) cannot be cancelled, so the time limit
// also races the whole search; what was found by then is returned.
async function raceTimeLimit(budget: Budget, timeoutMs: number, startWork: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      budget.stopped ??= 'timeout';
      resolve();
    }, timeoutMs + TIMER_GRACE_MS);
    timer.unref?.();
  });
  try {
    await Promise.race([startWork().catch(() => undefined), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Finds GGUF models already on this machine. Never throws: every location searched is listed
 * with `ok`, `missing` or `error` (and why), and the search stops at `maxFiles` or `timeoutMs`,
 * returning what it found by then.
 */
export async function discoverModels(options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const timeoutMs = Math.max(0, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const budget = new Budget(Date.now() + timeoutMs, Math.max(0, options.maxFiles ?? DEFAULT_MAX_FILES), timeoutMs);
  const ctx: SearchContext = {
    home: path.resolve(options.home ?? os.homedir()),
    env: options.env ?? process.env,
    platform: options.platform ?? process.platform,
    extraFolders: options.extraFolders ?? [],
    budget,
    candidates: [],
  };
  const planned: PlannedSearch[] = [];
  await raceTimeLimit(budget, timeoutMs, () => runSearches(ctx, planned));
  return {
    models: buildModels([...ctx.candidates]),
    searched: planned.map(({ report }) => report.toSearched(budget)),
  };
}
