// Web mode: the same React UI served on 127.0.0.1 only, its API guarded by a per-run token.
// Every request payload is validated by the shared HostApi schemas before the service sees it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { HOST_API_METHODS, type HostApiMethod } from '../shared/api';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';
import { UserFacingError, type Service } from '../node/service';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const MAX_BODY_BYTES = 64 * 1024;
const EVENTS_PATH = '/api/events';
const MAX_EVENT_STREAMS = 16;
const KEEP_ALIVE_MS = 15_000;

const isHostApiMethod = (name: string): name is HostApiMethod => (HOST_API_METHODS as string[]).includes(name);

export interface WebHostOptions {
  service: Service;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface WebHost {
  server: Server;
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...extra,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The body, up to MAX_BODY_BYTES. A longer one is refused without destroying the request: the rest
 * drains unread (Node's requestTimeout bounds a body that never ends), so the 400 reaches the caller
 * and its keep-alive connection stays usable. Destroying it reset the caller's next request.
 */
function readBody(req: IncomingMessage): Promise<string> {
  const tooLarge = (): UserFacingError => new UserFacingError(`Request body too large (over ${MAX_BODY_BYTES / 1024} KiB).`, 'too-large');
  // Refused before reading; Node drains the unread body once the answer is sent.
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolveBody, reject) => {
    let sizeBytes = 0;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      sizeBytes += chunk.length;
      if (sizeBytes <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    req.once('close', () => reject(new UserFacingError('The request was closed before its body arrived.', 'aborted')));
  });
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const root = resolve(options.rendererDir);
  const streams = new Set<ServerResponse>();
  let port = options.port ?? 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `Internal error: ${(error as Error).message}`, code: 'internal' } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only our own origin: a page on another site that resolves a name to 127.0.0.1 (DNS rebinding) is refused.
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      sendJson(res, 421, { error: { message: 'Wrong Host header.', code: 'bad-host' } });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${host}`);
    } catch {
      sendJson(res, 400, { error: { message: 'Malformed request path.', code: 'bad-path' } });
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      await handleApi(req, res, url);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: { message: 'Use GET.', code: 'method' } });
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      send(res, 400, 'Malformed percent escape in the path.', 'text/plain; charset=utf-8');
      return;
    }
    if (path === '/' || path === '') path = '/index.html';
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) {
      send(res, 404, 'Not found', 'text/plain');
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      send(res, 200, body, MIME[extname(file)] ?? 'application/octet-stream', { 'Content-Security-Policy': CONTENT_SECURITY_POLICY });
    } catch {
      send(res, 404, 'Not found', 'text/plain');
    }
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!sameToken(given, token)) {
      sendJson(res, 401, {
        error: { message: 'Missing or wrong token: open the URL that `rightsize serve` printed.', code: 'unauthorized' },
      });
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      sendJson(res, 403, { error: { message: 'Cross-origin request refused.', code: 'origin' } });
      return;
    }
    if (url.pathname === EVENTS_PATH) {
      if (req.method !== 'GET') sendJson(res, 405, { error: { message: 'Use GET for the event stream.', code: 'method' } });
      else openEventStream(req, res);
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: { message: 'Use POST.', code: 'method' } });
      return;
    }
    const method = url.pathname.slice('/api/'.length);
    if (!isHostApiMethod(method)) {
      sendJson(res, 404, { error: { message: `Unknown method "${method.slice(0, 100)}".`, code: 'unknown-method' } });
      return;
    }
    let input: unknown;
    try {
      const text = await readBody(req);
      input = text.trim() === '' ? {} : JSON.parse(text);
    } catch (error) {
      const message = error instanceof UserFacingError ? error.message : 'Body is not JSON.';
      sendJson(res, 400, { error: { message, code: 'bad-body' } });
      return;
    }
    try {
      sendJson(res, 200, await options.service.call(method, input));
    } catch (error) {
      if (error instanceof UserFacingError) sendJson(res, 400, { error: { message: error.message, code: error.code } });
      else sendJson(res, 500, { error: { message: `The host failed: ${(error as Error).message}`, code: 'internal' } });
    }
  }

  /** Server-Sent Events: the service's events pushed to the page (progress, runs ending, detection). */
  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    if (streams.size >= MAX_EVENT_STREAMS) {
      sendJson(res, 429, {
        error: { message: `Too many open event streams (${MAX_EVENT_STREAMS}); close other tabs of this page.`, code: 'too-many-streams' },
      });
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      Connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    const unsubscribe = options.service.onEvent((event) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`));
    // A comment now and then keeps proxies and idle timeouts from closing a quiet stream.
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    streams.add(res);
    const close = (): void => {
      unsubscribe();
      clearInterval(keepAlive);
      streams.delete(res);
    };
    req.on('close', close);
    res.on('close', close);
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolvePromise());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    token,
    port,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    close: () =>
      new Promise<void>((r) => {
        for (const stream of streams) stream.end();
        server.close(() => r());
        server.closeIdleConnections();
      }),
  };
}
