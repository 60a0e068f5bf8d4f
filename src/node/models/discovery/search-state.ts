// The state one discovery run shares between its sources: the file and time budget, what each
// searched location yielded, and the candidate files found so far.
import type { DiscoverySource, SearchedLocation, SearchStatus } from './types';

type StopReason = 'timeout' | 'max-files';

export class Budget {
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
  return reason === 'max-files'
    ? `stopped early: the limit of ${budget.maxFiles} files was reached`
    : `stopped early: the ${budget.timeoutMs} ms time limit ran out`;
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/** What one location yielded, turned into a SearchedLocation at the end. */
export class LocationReport {
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

  fail(detail: string): void {
    this.status = 'error';
    this.errorDetail = detail;
  }

  /** Records that the budget ran out during this search (the first reason wins). */
  noteStop(budget: Budget): void {
    this.stoppedEarly ??= budget.stopped;
  }

  toSearched(budget: Budget): SearchedLocation {
    if (this.status === 'pending') {
      return {
        source: this.source,
        path: this.path,
        status: 'error',
        detail: stopNote(budget.stopped, budget).replace('stopped early', 'not searched'),
      };
    }
    if (!this.done) this.stoppedEarly ??= budget.stopped ?? 'timeout';
    const searched: SearchedLocation = { source: this.source, path: this.path, status: this.status };
    const parts = this.detailParts(budget);
    if (parts.length) searched.detail = parts.join('; ');
    return searched;
  }

  private detailParts(budget: Budget): string[] {
    const parts: string[] = [];
    if (this.errorDetail) parts.push(this.errorDetail);
    parts.push(...this.notes);
    if (this.notGguf)
      parts.push(`${this.notGguf} .gguf ${plural(this.notGguf, 'file is', 'files are')} not GGUF (no "GGUF" magic), skipped`);
    if (this.projectors) parts.push(`${this.projectors} vision projector (mmproj) ${plural(this.projectors, 'file', 'files')} skipped`);
    if (this.unreadable.length) {
      const shown = this.unreadable.slice(0, 3).join('; ');
      parts.push(
        `could not read ${this.unreadable.length} ${plural(this.unreadable.length, 'item', 'items')}: ${shown}${this.unreadable.length > 3 ? '; ...' : ''}`,
      );
    }
    if (this.stoppedEarly) parts.push(stopNote(this.stoppedEarly, budget));
    return parts;
  }
}

/** What a source knows about a file beyond its bytes: the names it goes by there. */
export interface CandidateOrigin {
  ollamaName?: string;
  hfRepo?: string;
  lmStudioRepo?: string;
  /** A vision projector the source pairs with the model: an mmproj*.gguf in the same folder, or an Ollama manifest's projector layer. */
  mmproj?: { path: string; bytes: number };
}

/** A GGUF file found by one source, before de-duplication and joining of split parts. */
export interface Candidate extends CandidateOrigin {
  source: DiscoverySource;
  /** The path as found (an HF snapshot symlink, an LM Studio file): names and split parts come from it. */
  seenPath: string;
  realPath: string;
  bytes: number;
  mtimeMs: number;
}

export interface SearchContext {
  home: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  extraFolders: readonly string[];
  budget: Budget;
  candidates: Candidate[];
}

/** One kind of place models live: where to look, and how to search one such folder. */
export interface ModelSource {
  source: DiscoverySource;
  roots(ctx: SearchContext): string[] | Promise<string[]>;
  /** Searches one root, already known to be a readable folder, adding to ctx.candidates. */
  searchRoot(ctx: SearchContext, report: LocationReport): Promise<void>;
}
