// `hf:ORG/REPO[:QUANT]`: the GGUF files of a Hugging Face repository, listed with its API, grouped by
// quant (a split model's parts are one entry), with their download URLs. The endpoint can be moved
// (RIGHTSIZE_HF_ENDPOINT, or HF_ENDPOINT as huggingface_hub reads it), so tests use a local server.
import { fetchFollowing, RemoteGgufError, shownUrl, statusError, type HttpOptions } from './http-source';

const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';
const MAX_PAGES = 20;
const MAX_LISTING_BYTES = 32 * 1024 * 1024;

export interface HfRef {
  /** ORG/REPO */
  readonly repo: string;
  /** As typed (any case), or null for every quant. */
  readonly quant: string | null;
}

export interface HfGgufFile {
  /** Upper-case quant read from the file name (Q4_K_M), or the file's name without .gguf when it has none. */
  readonly quant: string;
  /** Repository paths of its parts, in order (one for an unsplit file). */
  readonly paths: readonly string[];
  /** Download URLs of its parts. */
  readonly urls: readonly string[];
  /** Sum of the parts' sizes when the listing gives them. */
  readonly bytes: number | null;
}

interface HfGgufListing {
  readonly repo: string;
  readonly files: readonly HfGgufFile[];
  /** Multimodal projector files (mmproj-*.gguf): not models to size on their own, listed so a caller can say so. */
  readonly mmproj: readonly string[];
  /** Split models with parts missing from the listing, skipped. */
  readonly incomplete: readonly string[];
}

export function hfEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.RIGHTSIZE_HF_ENDPOINT || env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
}

/** HF_TOKEN (or huggingface_hub's older HUGGING_FACE_HUB_TOKEN), or null. */
export function hfToken(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || null;
}

const REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** `hf:ORG/REPO[:QUANT]` (also Ollama's `hf.co/ORG/REPO[:QUANT]`), or null for anything else. */
export function parseHfRef(arg: string): HfRef | null {
  const m = /^(?:hf:|hf\.co\/|huggingface\.co\/)(.+)$/i.exec(arg.trim());
  if (!m?.[1]) return null;
  const [repo = '', quant, ...extra] = m[1].replace(/^\/+/, '').split(':');
  if (!REPO.test(repo) || extra.length > 0 || quant === '') {
    throw new RemoteGgufError(
      `"${arg}" is not a Hugging Face reference: write hf:ORG/REPO or hf:ORG/REPO:QUANT (for example hf:Qwen/Qwen2.5-7B-Instruct-GGUF:Q4_K_M)`,
      'not-found',
    );
  }
  return { repo, quant: quant ?? null };
}

/** The download URL of a file in a repository (branch main). */
function hfFileUrl(repo: string, path: string, env: NodeJS.ProcessEnv = process.env): string {
  return `${hfEndpoint(env)}/${repo}/resolve/main/${path.split('/').map(encodeURIComponent).join('/')}`;
}

const SPLIT = /-(\d{5})-of-(\d{5})\.gguf$/i;
const QUANT_TOKEN = /^(?:I?Q\d(?:_[A-Z0-9]+)*|F16|BF16|F32|MXFP4(?:_MOE)?|TQ\d_\d)$/i;

/** The quant in a file name: the last token that reads as one (UD-Q4_K_XL: Q4_K_XL), else the name. */
export function quantOfPath(path: string): string {
  const parts = path
    .replace(SPLIT, '.gguf')
    .replace(/\.gguf$/i, '')
    .split('/');
  const name = parts.at(-1) ?? path;
  for (const piece of [name, ...parts.slice(0, -1).reverse()]) {
    const token = piece
      .split(/[-.]/)
      .reverse()
      .find((t) => QUANT_TOKEN.test(t));
    if (token) return token.toUpperCase();
  }
  return name;
}

interface TreeEntry {
  type?: string;
  path?: string;
  size?: number;
  lfs?: { size?: number } | null;
}

async function fetchJson(url: URL, options: HttpOptions): Promise<{ body: unknown; next: string | null }> {
  const { response, url: at } = await fetchFollowing(url, { accept: 'application/json' }, options);
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 401 || response.status === 404) {
      // The Hub answers 401 for a repository that does not exist as well as for a private one.
      throw new RemoteGgufError(
        `the Hugging Face repository at ${shownUrl(at)} was not found or is private (HTTP ${response.status}): check ORG/REPO; for a private or gated one set HF_TOKEN (or pass --hf-token)`,
        response.status === 401 ? 'auth' : 'not-found',
      );
    }
    throw statusError(response.status, at, 'the repository listing');
  }
  const text = await response.text();
  if (text.length > MAX_LISTING_BYTES) throw new RemoteGgufError(`the listing of ${shownUrl(at)} is too large to read`, 'too-large');
  try {
    const link = response.headers.get('link') ?? '';
    const next = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link)?.[1] ?? null;
    return { body: JSON.parse(text) as unknown, next: next ? new URL(next, at).href : null };
  } catch {
    throw new RemoteGgufError(
      `${shownUrl(at)} did not answer with the file list (not JSON): check RIGHTSIZE_HF_ENDPOINT / HF_ENDPOINT`,
      'http',
    );
  }
}

/** Every GGUF file of a repository, grouped by model (split parts together), by quant. */
export async function listHfGguf(repo: string, options: HttpOptions & { env?: NodeJS.ProcessEnv } = {}): Promise<HfGgufListing> {
  const env = options.env ?? process.env;
  const endpoint = hfEndpoint(env);
  const http: HttpOptions = { ...options, token: options.token ?? hfToken(env), tokenHost: new URL(endpoint).host };
  const entries: TreeEntry[] = [];
  let next: string | null = `${endpoint}/api/models/${repo}/tree/main?recursive=true`;
  for (let page = 0; next && page < MAX_PAGES; page++) {
    const { body, next: after }: { body: unknown; next: string | null } = await fetchJson(new URL(next), http);
    if (!Array.isArray(body))
      throw new RemoteGgufError(`${shownUrl(next)} did not answer with a file list: check RIGHTSIZE_HF_ENDPOINT / HF_ENDPOINT`, 'http');
    entries.push(...(body as TreeEntry[]));
    next = after;
  }
  const ggufs = entries.filter((e) => e.type !== 'directory' && typeof e.path === 'string' && /\.gguf$/i.test(e.path));
  const isMmproj = (p: string): boolean => /^mmproj/i.test(p.split('/').at(-1) ?? p);
  const groups = new Map<string, { parts: Map<number, TreeEntry>; count: number }>();
  for (const entry of ggufs) {
    const path = entry.path as string;
    if (isMmproj(path)) continue;
    const split = SPLIT.exec(path);
    const key = split ? path.replace(SPLIT, '.gguf') : path;
    const group = groups.get(key) ?? { parts: new Map<number, TreeEntry>(), count: split ? Number(split[2]) : 1 };
    group.parts.set(split ? Number(split[1]) : 1, entry);
    groups.set(key, group);
  }
  const files: HfGgufFile[] = [];
  const incomplete: string[] = [];
  for (const [key, group] of groups) {
    const ordered = Array.from({ length: group.count }, (_, i) => group.parts.get(i + 1));
    if (ordered.some((p) => !p)) {
      incomplete.push(key);
      continue;
    }
    const paths = ordered.map((p) => p?.path as string);
    const sizes = ordered.map((p) => p?.lfs?.size ?? p?.size);
    files.push({
      quant: quantOfPath(key),
      paths,
      urls: paths.map((p) => hfFileUrl(repo, p, env)),
      bytes: sizes.every((s) => typeof s === 'number') ? (sizes as number[]).reduce((a, b) => a + b, 0) : null,
    });
  }
  files.sort((a, b) => (a.bytes ?? 0) - (b.bytes ?? 0) || a.quant.localeCompare(b.quant));
  return { repo, files, mmproj: ggufs.map((e) => e.path as string).filter(isMmproj), incomplete };
}

/** The files of `quant` (case-insensitive; a file path or name also matches), or every file without one. */
export function pickHfQuant(listing: HfGgufListing, quant: string | null): HfGgufFile[] {
  if (listing.files.length === 0) {
    const extra = listing.mmproj.length ? ` (only the projector${listing.mmproj.length > 1 ? 's' : ''} ${listing.mmproj.join(', ')})` : '';
    throw new RemoteGgufError(
      `hf:${listing.repo} has no GGUF model files${extra}: pick a repository of GGUF builds (their names usually end in -GGUF)`,
      'not-found',
    );
  }
  if (!quant) return [...listing.files];
  const wanted = quant.toLowerCase();
  const matches = listing.files.filter(
    (f) =>
      f.quant.toLowerCase() === wanted || f.paths.some((p) => p.toLowerCase() === wanted || p.toLowerCase().split('/').at(-1) === wanted),
  );
  if (matches.length === 0) {
    const available = [...new Set(listing.files.map((f) => f.quant))].join(', ');
    throw new RemoteGgufError(
      `hf:${listing.repo} has no ${quant} file: it has ${available}. Write hf:${listing.repo}:QUANT with one of them`,
      'not-found',
    );
  }
  return matches;
}
