// A GGUF on a web server as a ByteSource: HTTP Range requests read its header only, so a 40 GB model
// is sized from a few hundred KiB. A server that ignores ranges is refused rather than downloading the
// whole file. Redirects are followed by hand to count them, catch loops and send a token to its own
// host only (Hugging Face redirects downloads to a CDN). Every failure is a RemoteGgufError that says
// what happened and what to do, and never shows the token.
import { GgufError, type ByteSource } from '../../core/gguf-types';
import { KiB, MiB } from '../../shared/units';

type RemoteFailure =
  | 'not-found'
  | 'auth'
  | 'redirect'
  | 'timeout'
  | 'web-page'
  | 'no-range'
  | 'too-large'
  | 'network'
  | 'http'
  | 'changed'
  | 'truncated'
  | 'empty';

/** Why a remote GGUF could not be read; `reason` lets a caller tell offline from refused. */
export class RemoteGgufError extends GgufError {
  constructor(
    message: string,
    readonly reason: RemoteFailure,
    code: GgufError['code'] = 'io',
  ) {
    super(message, code);
    this.name = 'RemoteGgufError';
  }
}

export interface HttpOptions {
  /** Sent as `Authorization: Bearer` to `tokenHost` only, never shown in a message. */
  readonly token?: string | null;
  /** The host the token belongs to (default: the first URL's host). */
  readonly tokenHost?: string | null;
  /** Per request, body included. Default 15 s. */
  readonly timeoutMs?: number;
  /** Default 10. */
  readonly maxRedirects?: number;
  /** For tests; default the global fetch. */
  readonly fetch?: typeof fetch;
}

export interface HttpSourceOptions extends HttpOptions {
  /** Bytes read over all requests beyond which the file is refused. Default 64 MiB. */
  readonly maxTotalBytes?: number;
  /** Bytes of the first range request. Default 64 KiB (what the header parser reads first). */
  readonly firstRangeBytes?: number;
}

export interface HttpByteSource extends ByteSource {
  /** The URL asked for (what the user gave). */
  readonly url: string;
  /** Where the bytes came from after redirects. */
  readonly finalUrl: string;
  readonly etag: string | null;
  /** Body bytes received so far over every request. */
  readonly bytesReceived: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_TOTAL_BYTES = 64 * MiB;
const DEFAULT_FIRST_RANGE_BYTES = 64 * KiB;
const DEFAULT_MAX_REDIRECTS = 10;

/** A URL as shown in messages: no query (signed CDN URLs) and no user:password. */
export function shownUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return String(url).replace(/[?#].*$/, '');
  }
}

/** Removes the token from a message, whatever produced it. */
export function redact(text: string, token: string | null | undefined): string {
  return token ? text.split(token).join('***') : text;
}

function networkError(url: URL, error: unknown, timeoutMs: number): RemoteGgufError {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new RemoteGgufError(
      `${url.host} did not answer within ${Math.round(timeoutMs / 1000)} s (${shownUrl(url)}): check your connection and try again`,
      'timeout',
    );
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const code = cause?.code ?? (error as { code?: string } | null)?.code;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new RemoteGgufError(
        `could not find the server ${url.hostname} (DNS): check the address and your internet connection`,
        'network',
      );
    case 'ECONNREFUSED':
      return new RemoteGgufError(
        `${url.host} refused the connection: check the address and port, or that the server is running`,
        'network',
      );
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return new RemoteGgufError(`the connection to ${url.host} was cut while reading ${shownUrl(url)}: try again`, 'network');
    default: {
      const detail = cause?.message ?? (error instanceof Error ? error.message : String(error));
      if (code && /CERT|SSL|TLS/i.test(code)) {
        return new RemoteGgufError(`${url.host}'s TLS certificate was not accepted (${code}): check the address, or your proxy`, 'network');
      }
      return new RemoteGgufError(`could not reach ${url.host} (${detail}): check the address and your internet connection`, 'network');
    }
  }
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

interface FetchedResponse {
  readonly response: Response;
  readonly url: URL;
}

/**
 * GET with manual redirects: at most `maxRedirects`, a loop refused, the token kept for its own host.
 * Network failures become RemoteGgufError; HTTP statuses are the caller's to judge.
 */
export async function fetchFollowing(
  url: string | URL,
  headers: Record<string, string>,
  options: HttpOptions = {},
): Promise<FetchedResponse> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = new URL(url);
  const tokenHost = options.tokenHost ?? current.host;
  const seen = new Set<string>();
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new RemoteGgufError(`${shownUrl(current)} is not an http(s) address: give an https:// URL of a .gguf file`, 'http');
    }
    const sent: Record<string, string> = { 'user-agent': 'rightsize', 'accept-encoding': 'identity', ...headers };
    if (options.token && current.host === tokenHost) sent.authorization = `Bearer ${options.token}`;
    let response: Response;
    try {
      response = await doFetch(current, { headers: sent, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw networkError(current, error, timeoutMs);
    }
    if (![301, 302, 303, 307, 308].includes(response.status)) return { response, url: current };
    const location = response.headers.get('location');
    await discard(response);
    if (!location) {
      throw new RemoteGgufError(
        `${shownUrl(current)} redirected (HTTP ${response.status}) without saying where: the server is misconfigured; try the file's direct URL`,
        'redirect',
      );
    }
    seen.add(current.href);
    const next = new URL(location, current);
    if (seen.has(next.href)) {
      throw new RemoteGgufError(
        `${shownUrl(url)} redirects in a loop (back to ${shownUrl(next)}): the server is misconfigured; try the file's direct URL`,
        'redirect',
      );
    }
    if (hop + 1 > maxRedirects) {
      throw new RemoteGgufError(
        `${shownUrl(url)} redirected more than ${maxRedirects} times: the server is misconfigured; try the file's direct URL`,
        'redirect',
      );
    }
    current = next;
  }
}

/** The error for a status that is not the answer asked for. */
export function statusError(status: number, url: URL, what = 'the file'): RemoteGgufError {
  const shown = shownUrl(url);
  if (status === 404 || status === 410) {
    return new RemoteGgufError(
      `${what} was not found at ${shown} (HTTP ${status}): check the URL, the repository name and the quant`,
      'not-found',
    );
  }
  if (status === 401 || status === 403) {
    return new RemoteGgufError(
      `${shown} refused access (HTTP ${status}): the repository is gated or private. Accept its terms on the model page, then set HF_TOKEN (or pass --hf-token) to a token that can read it`,
      'auth',
    );
  }
  if (status === 429)
    return new RemoteGgufError(`${url.host} is rate-limiting requests (HTTP 429): wait a minute and try again, or set HF_TOKEN`, 'http');
  if (status >= 500) return new RemoteGgufError(`${url.host} had an error (HTTP ${status}) serving ${shown}: try again later`, 'http');
  return new RemoteGgufError(`${shown} answered HTTP ${status} instead of the file: check the URL`, 'http');
}

function webPageError(url: URL): RemoteGgufError {
  const shown = shownUrl(url);
  const hint = url.pathname.includes('/blob/')
    ? `use the download URL instead: ${shown.replace('/blob/', '/resolve/')}`
    : 'give the URL of the .gguf file itself (on Hugging Face: .../resolve/main/FILE.gguf, not .../blob/main/FILE.gguf)';
  return new RemoteGgufError(`${shown} is a web page, not a GGUF file: ${hint}`, 'web-page', 'not-gguf');
}

function looksLikeHtml(bytes: Uint8Array): boolean {
  // <!doctype, <html, <head or any other tag: no GGUF starts with "<".
  return String.fromCharCode(...bytes.subarray(0, 64))
    .trimStart()
    .startsWith('<');
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/i;

/** Reads a body of exactly the bytes asked for; a server sending more ignored the range and is cut off. */
async function readBody(response: Response, url: URL, expected: number): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  let filled = 0;
  const reader = response.body?.getReader();
  if (!reader) return out.subarray(0, 0);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > expected) {
        throw new RemoteGgufError(
          `${url.host} sent more than the ${expected} bytes asked for: it ignores byte ranges, and reading on would download the whole model. Download the file and give its path instead`,
          'no-range',
        );
      }
      out.set(value, filled);
      filled += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return out.subarray(0, filled);
}

interface RangeAnswer {
  readonly bytes: Uint8Array;
  readonly total: number;
  readonly etag: string | null;
  readonly url: URL;
}

interface Session {
  readonly options: HttpSourceOptions;
  readonly tokenHost: string;
  received: number;
}

/** One range request: 206 with a Content-Range, or a RemoteGgufError (null: 304 Not Modified). */
async function requestRange(
  session: Session,
  url: URL,
  start: number,
  length: number,
  ifNoneMatch: string | null,
): Promise<RangeAnswer | null> {
  const maxTotal = session.options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  if (session.received + length > maxTotal) {
    throw new RemoteGgufError(
      `the GGUF header at ${shownUrl(url)} goes past ${Math.round(maxTotal / MiB)} MiB: no real model has a header this large, so it is refused`,
      'too-large',
      'too-large',
    );
  }
  const headers: Record<string, string> = { range: `bytes=${start}-${start + length - 1}` };
  if (ifNoneMatch) headers['if-none-match'] = ifNoneMatch;
  const { response, url: at } = await fetchFollowing(url, headers, { ...session.options, tokenHost: session.tokenHost });
  const timeoutMs = session.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (response.status === 304 && ifNoneMatch) {
    await discard(response);
    return null;
  }
  const type = response.headers.get('content-type') ?? '';
  if ((response.status === 200 || response.status === 206) && /text\/html/i.test(type)) {
    await discard(response);
    throw webPageError(at);
  }
  if (response.status === 200) {
    await discard(response);
    throw new RemoteGgufError(
      `${at.host} does not support byte ranges (it answered 200 with the whole file to a range request): rightsize reads only the header and will not download the whole model. Download the file and give its path instead`,
      'no-range',
    );
  }
  if (response.status === 416) {
    await discard(response);
    const total = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
    if (total === '0')
      throw new RemoteGgufError(`the file at ${shownUrl(at)} is empty (0 bytes): check the URL or upload`, 'empty', 'truncated');
    throw new RemoteGgufError(
      `the file at ${shownUrl(at)} is shorter than its header says (the server has no byte ${start}): the upload is incomplete; pick another file`,
      'truncated',
      'truncated',
    );
  }
  if (response.status !== 206) {
    await discard(response);
    throw statusError(response.status, at);
  }
  const range = CONTENT_RANGE.exec(response.headers.get('content-range') ?? '');
  if (!range || range[3] === '*' || Number(range[1]) !== start) {
    await discard(response);
    throw new RemoteGgufError(
      `${at.host} answered a range request without a usable Content-Range (the file's size): download the file and give its path instead`,
      'no-range',
    );
  }
  const expected = Number(range[2]) - start + 1;
  let bytes: Uint8Array;
  try {
    bytes = await readBody(response, at, expected);
  } catch (error) {
    if (error instanceof RemoteGgufError) throw error;
    throw networkError(at, error, timeoutMs);
  }
  session.received += bytes.length;
  if (bytes.length < expected) {
    throw new RemoteGgufError(`${at.host} sent ${bytes.length} of ${expected} bytes and stopped: try again`, 'network');
  }
  return { bytes, total: Number(range[3]), etag: response.headers.get('etag'), url: at };
}

function withToken<T>(token: string | null | undefined, run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    if (error instanceof GgufError && token && error.message.includes(token)) error.message = redact(error.message, token);
    throw error;
  });
}

/**
 * Opens a remote GGUF for parseGgufHeader. With `ifNoneMatch` (a cached ETag) it returns null when
 * the file is unchanged: 304, or a 206 with that same ETag; the check costs one small range request.
 */
export async function openHttpSource(
  url: string,
  options: HttpSourceOptions & { readonly ifNoneMatch?: string | null } = {},
): Promise<HttpByteSource | null> {
  let start: URL;
  try {
    start = new URL(url);
  } catch {
    throw new RemoteGgufError(`"${shownUrl(url)}" is not a valid URL: give an https:// address of a .gguf file`, 'http');
  }
  const session: Session = { options, tokenHost: options.tokenHost ?? start.host, received: 0 };
  const token = options.token;
  return withToken(token, async () => {
    const firstBytes = options.firstRangeBytes ?? DEFAULT_FIRST_RANGE_BYTES;
    const first = await requestRange(session, start, 0, firstBytes, options.ifNoneMatch ?? null);
    if (!first) return null;
    if (options.ifNoneMatch && first.etag === options.ifNoneMatch) return null;
    if (
      first.bytes.length >= 4 &&
      !(first.bytes[0] === 0x47 && first.bytes[1] === 0x47 && first.bytes[2] === 0x55 && first.bytes[3] === 0x46)
    ) {
      if (looksLikeHtml(first.bytes)) throw webPageError(first.url);
    }
    const size = first.total;
    const finalUrl = first.url;
    const source: HttpByteSource = {
      url,
      finalUrl: finalUrl.href,
      etag: first.etag,
      size,
      get bytesReceived() {
        return session.received;
      },
      read: (offset: number, length: number) =>
        withToken(token, async () => {
          const end = Math.min(size, offset + length);
          if (end <= offset) return new Uint8Array(0);
          if (end <= first.bytes.length) return first.bytes.subarray(offset, end);
          const answer = await requestRange(session, finalUrl, offset, end - offset, null);
          if (!answer) throw new RemoteGgufError(`${finalUrl.host} answered 304 to a plain request: try again`, 'http');
          if (first.etag && answer.etag && answer.etag !== first.etag) {
            throw new RemoteGgufError(
              `the file at ${shownUrl(url)} changed while it was being read (its ETag changed): try again`,
              'changed',
            );
          }
          if (answer.total !== size) {
            throw new RemoteGgufError(`the file at ${shownUrl(url)} changed size while it was being read: try again`, 'changed');
          }
          return answer.bytes;
        }),
    };
    return source;
  });
}
