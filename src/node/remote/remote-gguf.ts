// The header of a GGUF at a URL (every part of a split model, merged), from the cache when its ETag
// still matches, else read over HTTP range requests and cached.
import { parseGgufHeader } from '../../core/gguf';
import { GgufError, type GgufHeader } from '../../core/gguf-types';
import { readCachedHeader, writeCachedHeader, type RemotePart } from './cache';
import {
  DEFAULT_MAX_TOTAL_BYTES,
  openHttpSource,
  RemoteGgufError,
  shownUrl,
  type HttpByteSource,
  type HttpSourceOptions,
} from './http-source';

interface RemoteGgufOptions extends HttpSourceOptions {
  /** Where headers are cached; null: no cache. */
  readonly cacheDir?: string | null;
}

interface RemoteGguf {
  /** Part 1's metadata with the tensors of every part. */
  readonly header: GgufHeader;
  readonly parts: readonly RemotePart[];
  /** Sum of the parts' sizes. */
  readonly fileBytes: number;
  /** Whether the header came from the cache (unchanged on the server, or the server unreachable). */
  readonly fromCache: boolean;
  /** Body bytes received over HTTP for this call. */
  readonly bytesReceived: number;
}

// llama.cpp's gguf-split names: MODEL-00001-of-00003.gguf.
const SPLIT_NAME = /-(\d{5})-of-(\d{5})\.gguf$/i;

/** The URLs of every part of a split model from its first part's URL; [url] when it is not split. */
function splitPartUrls(url: string): string[] {
  const u = new URL(url);
  const m = SPLIT_NAME.exec(u.pathname);
  if (!m) return [url];
  const count = Number(m[2]);
  if (Number(m[1]) !== 1) {
    const first = shownUrl(url).replace(SPLIT_NAME, `-00001-of-${m[2]}.gguf`);
    throw new RemoteGgufError(`${shownUrl(url)} is part ${Number(m[1])} of a split model: give its first part, ${first}`, 'not-found');
  }
  return Array.from({ length: count }, (_, i) => {
    const part = new URL(u);
    part.pathname = u.pathname.replace(SPLIT_NAME, `-${String(i + 1).padStart(5, '0')}-of-${m[2]}.gguf`);
    return part.href;
  });
}

function splitNumber(header: GgufHeader, key: string): number | null {
  const v = header.metadata.get(key);
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
}

/** Part 1's metadata with every part's tensors, after checking the parts belong together. */
function mergeSplitHeaders(headers: readonly GgufHeader[], urls: readonly string[]): GgufHeader {
  const [first] = headers;
  if (!first) throw new RemoteGgufError('no GGUF parts to read', 'not-found');
  if (headers.length === 1) return first;
  headers.forEach((h, i) => {
    const no = splitNumber(h, 'split.no');
    const count = splitNumber(h, 'split.count');
    if (no !== i || count !== headers.length) {
      throw new RemoteGgufError(
        `${shownUrl(urls[i] ?? '')} is not part ${i + 1} of ${headers.length} (its split.no is ${no ?? 'missing'}, split.count ${count ?? 'missing'}): the parts do not belong together; check the file names`,
        'not-found',
        'corrupt',
      );
    }
  });
  const tensors = headers.flatMap((h) => h.tensors);
  const declared = splitNumber(first, 'split.tensors.count');
  if (declared !== null && declared !== tensors.length) {
    throw new RemoteGgufError(
      `the ${headers.length} parts hold ${tensors.length} tensors but part 1 says ${declared}: a part is from another upload; check the files`,
      'truncated',
      'corrupt',
    );
  }
  return { ...first, tensors };
}

function remoteWording(error: unknown, url: string): unknown {
  if (!(error instanceof GgufError) || error instanceof RemoteGgufError) return error;
  const message = error.message.replace(
    'it was cut off while downloading, download it again',
    'the file on the server is incomplete; pick another file or tell its uploader',
  );
  return new GgufError(`${shownUrl(url)}: ${message}`, error.code);
}

async function readParts(
  urls: readonly string[],
  options: RemoteGgufOptions,
): Promise<{ headers: GgufHeader[]; parts: RemotePart[]; received: number }> {
  const headers: GgufHeader[] = [];
  const parts: RemotePart[] = [];
  let received = 0;
  for (const url of urls) {
    const source = await openHttpSource(url, options);
    if (!source) throw new RemoteGgufError(`${shownUrl(url)} answered 304 to a plain request: try again`, 'http');
    headers.push(await parseRemote(source, url, options));
    received += source.bytesReceived;
    parts.push({ url, etag: source.etag, size: source.size });
  }
  return { headers, parts, received };
}

async function parseRemote(source: HttpByteSource, url: string, options: RemoteGgufOptions): Promise<GgufHeader> {
  try {
    return await parseGgufHeader(source, { maxHeaderBytes: options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES });
  } catch (error) {
    throw remoteWording(error, url);
  }
}

/**
 * Reads the header of the GGUF at `url` (a split model's first part brings its other parts), reusing
 * the cached one when every part's ETag is unchanged, or when the server cannot be reached.
 */
export async function readRemoteGguf(url: string, options: RemoteGgufOptions = {}): Promise<RemoteGguf> {
  const cacheDir = options.cacheDir ?? null;
  const cached = cacheDir ? await readCachedHeader(cacheDir, url) : null;
  let opened: HttpByteSource | null = null;
  let received = 0;
  if (cached && cached.parts.every((p) => p.etag)) {
    let changed = false;
    try {
      for (const [i, part] of cached.parts.entries()) {
        const source = await openHttpSource(part.url, { ...options, ifNoneMatch: part.etag });
        if (source) {
          changed = true;
          // Part 1's first window is reused below; another part's check is spent.
          if (i === 0) opened = source;
          else received += source.bytesReceived;
          break;
        }
      }
    } catch (error) {
      // Offline, the cached header is the best answer; a refusal (404, 401) is news the user needs.
      if (!(error instanceof RemoteGgufError && (error.reason === 'network' || error.reason === 'timeout'))) throw error;
      changed = false;
    }
    if (!changed)
      return { header: cached.header, parts: cached.parts, fileBytes: sum(cached.parts), fromCache: true, bytesReceived: received };
  }
  if (!opened) {
    opened = await openHttpSource(url, options);
    if (!opened) throw new RemoteGgufError(`${shownUrl(url)} answered 304 to a plain request: try again`, 'http');
  }
  // The header says whether the file is a split model, whatever its name.
  const first = await parseRemote(opened, url, options);
  const count = splitNumber(first, 'split.count') ?? 1;
  const urls = count > 1 ? splitPartUrls(url) : [url];
  if (urls.length !== count) {
    throw new RemoteGgufError(
      `${shownUrl(url)} is part 1 of a model split in ${count} files, but its name does not say where the others are (MODEL-00001-of-0000${count}.gguf): give the first part under its original name`,
      'not-found',
    );
  }
  const rest = count > 1 ? await readParts(urls.slice(1), options) : null;
  const header = rest ? mergeSplitHeaders([first, ...rest.headers], urls) : first;
  const parts: RemotePart[] = [{ url, etag: opened.etag, size: opened.size }, ...(rest?.parts ?? [])];
  received += opened.bytesReceived + (rest?.received ?? 0);
  if (cacheDir) await writeCachedHeader(cacheDir, url, parts, header);
  return { header, parts, fileBytes: sum(parts), fromCache: false, bytesReceived: received };
}

function sum(parts: readonly RemotePart[]): number {
  return parts.reduce((s, p) => s + p.size, 0);
}
