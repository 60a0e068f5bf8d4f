// Sizing a GGUF from its URL before downloading it: only the header crosses the wire (HTTP ranges),
// every way a server can fail gets a message a user can act on (and never shows a token), hf: names
// a repository's quants, split models are merged, and headers are cached by URL and ETag. Everything
// runs against a local server on 127.0.0.1: nothing reaches the internet.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GiB, MiB } from '../../src/shared/units';
import { EstimateResultSchema, ReportSchema } from '../../src/shared/schema';
import { modelFromUrl, modelsFromHf, resolveModelArg, ModelArgError, type RemoteModelOptions } from '../../src/node/models/resolve';
import { listCachedRemoteModels, remoteCacheFolder } from '../../src/node/remote/cache';
import { parseHfRef, quantOfPath } from '../../src/node/remote/hf';
import { openHttpSource, RemoteGgufError } from '../../src/node/remote/http-source';
import { readRemoteGguf } from '../../src/node/remote/remote-gguf';
import { makeSnapshot, rtx4090 } from '../helpers/hardware';
import { runCliInProcess } from '../helpers/in-process-cli';
import { splitGguf, startGgufHttpServer, tinyGguf, type GgufHttpServer } from '../helpers/gguf-http-server';

const TOKEN = 'hf_secretTOKEN1234567890';
let hub: GgufHttpServer; // plays huggingface.co
let cdn: GgufHttpServer; // another host, where the hub redirects downloads
let q4: Buffer;
let q8: Buffer;
const TMP = mkdtempSync(join(tmpdir(), 'rightsize-remote-test-'));
let cacheCount = 0;
/** A fresh cache folder per test, so tests do not see each other's headers. */
const freshCache = (): string => join(TMP, `cache-${cacheCount++}`);

const opts = (extra: RemoteModelOptions = {}): RemoteModelOptions => ({
  env: { RIGHTSIZE_HF_ENDPOINT: hub.baseUrl },
  cacheDir: freshCache(),
  timeoutMs: 3000,
  ...extra,
});

beforeAll(async () => {
  [hub, cdn] = await Promise.all([startGgufHttpServer(), startGgufHttpServer()]);
  [q4, q8] = await Promise.all([tinyGguf('Q4_K_M'), tinyGguf('Q8_0')]);
});
afterAll(async () => {
  await Promise.all([hub.close(), cdn.close()]);
  rmSync(TMP, { recursive: true, force: true });
});

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('a GGUF at a URL', () => {
  it('is sized from its header alone, even when the file is huge', async () => {
    hub.route('/big/model-Q4_K_M.gguf', { kind: 'file', data: q4, etag: '"v1"', padTo: 512 * MiB });
    const before = hub.bytesSent();
    const resolved = await modelFromUrl(hub.url('/big/model-Q4_K_M.gguf'), opts());
    expect(resolved.sizable.quant).toBe('Q4_K_M');
    expect(resolved.sizable.name).toBe('Tiny Q4_K_M (model-Q4_K_M.gguf)');
    expect(resolved.sizable.filePath).toBeUndefined();
    expect(resolved.sizable.modelId).toBe(`url:${hub.url('/big/model-Q4_K_M.gguf')}`);
    expect(resolved.fileBytes).toBe(512 * MiB);
    expect(resolved.sizable.shape.layers).toBe(2);
    expect(resolved.remote).toMatchObject({ fromCache: false, etag: '"v1"', parts: 1 });
    // The header outgrows the first 64 KiB window, so more than one range request is made, and
    // far less than the file crosses the wire.
    const sent = hub.bytesSent() - before;
    expect(hub.requests.filter((r) => r.path === '/big/model-Q4_K_M.gguf').length).toBeGreaterThan(1);
    expect(sent).toBeLessThan(2 * MiB);
    expect(resolved.remote?.bytesReceived).toBe(sent);
  });

  it('is sized the same as the same bytes on disk', async () => {
    hub.route('/same/model.gguf', { kind: 'file', data: q4 });
    const path = join(TMP, 'same.gguf');
    writeFileSync(path, q4);
    const [remote, local] = await Promise.all([resolveModelArg(hub.url('/same/model.gguf'), undefined, opts()), resolveModelArg(path)]);
    expect(remote.sizable.weights).toEqual(local.sizable.weights);
    expect(remote.sizable.paramsB).toBe(local.sizable.paramsB);
    expect(remote.fileBytes).toBe(local.fileBytes);
  });

  it('refuses a server without range support, and stops it sending the whole file', async () => {
    hub.route('/norange/model.gguf', { kind: 'file', data: q4, ranges: false, padTo: 256 * MiB });
    const before = hub.bytesSent();
    const error = await failure(modelFromUrl(hub.url('/norange/model.gguf'), opts()));
    expect(error).toBeInstanceOf(RemoteGgufError);
    expect((error as RemoteGgufError).reason).toBe('no-range');
    expect(error.message).toMatch(/does not support byte ranges.*will not download the whole model/);
    await new Promise((r) => setTimeout(r, 200));
    expect(hub.bytesSent() - before).toBeLessThan(16 * MiB);
  });

  it('follows redirects to another host, without the token', async () => {
    cdn.route('/blobs/abc', { kind: 'file', data: q4, etag: '"cdn"' });
    hub.route('/org/gated/resolve/main/model.gguf', { kind: 'redirect', location: cdn.url('/blobs/abc?X-Signature=s3cr3t') });
    const resolved = await modelFromUrl(hub.url('/org/gated/resolve/main/model.gguf'), opts({ token: TOKEN }));
    expect(resolved.sizable.quant).toBe('Q4_K_M');
    expect(
      hub.requests.filter((r) => r.path === '/org/gated/resolve/main/model.gguf').every((r) => r.authorization === `Bearer ${TOKEN}`),
    ).toBe(true);
    expect(cdn.requests.filter((r) => r.path === '/blobs/abc').every((r) => r.authorization === null)).toBe(true);
  });

  it('says a redirect loop is a loop, and stops after 10 redirects', async () => {
    hub.route('/loop/a.gguf', { kind: 'redirect', location: '/loop/b.gguf' });
    hub.route('/loop/b.gguf', { kind: 'redirect', location: '/loop/a.gguf' });
    const loop = await failure(modelFromUrl(hub.url('/loop/a.gguf'), opts()));
    expect(loop.message).toMatch(/redirects in a loop/);
    for (let i = 0; i < 12; i++) hub.route(`/chain/${i}.gguf`, { kind: 'redirect', location: `/chain/${i + 1}.gguf` });
    const chain = await failure(modelFromUrl(hub.url('/chain/0.gguf'), opts()));
    expect(chain.message).toMatch(/redirected more than 10 times/);
  });

  it('404: says to check the URL and the quant', async () => {
    const error = await failure(modelFromUrl(hub.url('/missing/model.gguf'), opts()));
    expect((error as RemoteGgufError).reason).toBe('not-found');
    expect(error.message).toMatch(/not found at http:\/\/127\.0\.0\.1:\d+\/missing\/model\.gguf \(HTTP 404\): check the URL/);
  });

  it('401: sends the token, says to set HF_TOKEN, and never shows the token', async () => {
    hub.route('/private/model.gguf', { kind: 'file', data: q4, token: 'the-right-one' });
    const asArg = await failure(
      resolveModelArg(hub.url('/private/model.gguf'), undefined, opts({ env: { RIGHTSIZE_HF_ENDPOINT: hub.baseUrl, HF_TOKEN: TOKEN } })),
    );
    expect(asArg).toBeInstanceOf(ModelArgError);
    expect(asArg.message).toMatch(/gated or private.*HF_TOKEN/);
    expect(asArg.message).not.toContain(TOKEN);
    expect(hub.requests.filter((r) => r.path === '/private/model.gguf').at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
    const ok = await modelFromUrl(hub.url('/private/model.gguf'), opts({ token: 'the-right-one' }));
    expect(ok.sizable.quant).toBe('Q4_K_M');
  });

  it('does not send HF_TOKEN to a host that is not the Hugging Face endpoint', async () => {
    cdn.route('/other/model.gguf', { kind: 'file', data: q4 });
    await modelFromUrl(cdn.url('/other/model.gguf'), opts({ env: { RIGHTSIZE_HF_ENDPOINT: hub.baseUrl, HF_TOKEN: TOKEN } }));
    expect(cdn.requests.filter((r) => r.path === '/other/model.gguf').every((r) => r.authorization === null)).toBe(true);
  });

  it('a web page: says so and suggests the /resolve/ URL', async () => {
    hub.route('/org/repo/blob/main/model.gguf', { kind: 'html', body: '<!doctype html><html><body>model card</body></html>' });
    const error = await failure(modelFromUrl(hub.url('/org/repo/blob/main/model.gguf'), opts()));
    expect((error as RemoteGgufError).reason).toBe('web-page');
    expect(error.message).toContain(
      `is a web page, not a GGUF file: use the download URL instead: ${hub.url('/org/repo/resolve/main/model.gguf')}`,
    );
    // A page served as octet-stream with ranges is recognised by its first bytes.
    hub.route('/page/model.gguf', { kind: 'file', data: Buffer.from('<html><head></head><body>not a model</body></html>') });
    expect((await failure(modelFromUrl(hub.url('/page/model.gguf'), opts()))).message).toMatch(/is a web page/);
  });

  it('a file shorter than its header says: the upload is incomplete', async () => {
    hub.route('/cut/tensors.gguf', { kind: 'file', data: q4.subarray(0, q4.length - 1000) });
    const tensors = await failure(resolveModelArg(hub.url('/cut/tensors.gguf'), undefined, opts()));
    expect(tensors).toBeInstanceOf(ModelArgError);
    expect(tensors.message).toMatch(/cut\/tensors\.gguf: the file is .* but its tensors need .*the file on the server is incomplete/);
    hub.route('/cut/header.gguf', { kind: 'file', data: q4.subarray(0, 70_000) });
    const header = await failure(modelFromUrl(hub.url('/cut/header.gguf'), opts()));
    expect(header.message).toMatch(/ends inside its header.*the file on the server is incomplete/);
  });

  it('a server that never answers times out with a message', async () => {
    hub.route('/slow/model.gguf', { kind: 'hang' });
    const t0 = Date.now();
    const error = await failure(modelFromUrl(hub.url('/slow/model.gguf'), opts({ timeoutMs: 300 })));
    expect((error as RemoteGgufError).reason).toBe('timeout');
    expect(error.message).toMatch(/did not answer within .* s .*check your connection/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('a refused connection and an unknown host say what to check', async () => {
    const dead = await startGgufHttpServer();
    const url = dead.url('/model.gguf');
    await dead.close();
    const refused = await failure(modelFromUrl(url, opts()));
    expect((refused as RemoteGgufError).reason).toBe('network');
    expect(refused.message).toMatch(/refused the connection/);
    const fakeFetch = (() =>
      Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }))) as typeof fetch;
    const dns = await failure(modelFromUrl('https://no-such-host.invalid/model.gguf', opts({ fetch: fakeFetch })));
    expect(dns.message).toMatch(/could not find the server no-such-host\.invalid \(DNS\)/);
  });

  it('refuses a header past the byte cap as hostile', async () => {
    hub.route('/cap/model.gguf', { kind: 'file', data: q4 });
    const error = await failure(readRemoteGguf(hub.url('/cap/model.gguf'), { maxTotalBytes: 80 * 1024 }));
    expect(error.message).toMatch(/goes past|larger|too large/);
  });

  it('--quant does not apply to a URL', async () => {
    await expect(resolveModelArg(hub.url('/same/model.gguf'), 'Q8_0', opts())).rejects.toThrow(/--quant applies to catalog models/);
  });
});

describe('the header cache', () => {
  it('reuses an unchanged header (one conditional request, no body) and re-reads a changed one', async () => {
    hub.route('/cached/model.gguf', { kind: 'file', data: q4, etag: '"one"' });
    const options = opts();
    const url = hub.url('/cached/model.gguf');
    const first = await modelFromUrl(url, options);
    expect(first.remote?.fromCache).toBe(false);

    const count = hub.requests.length;
    const sentBefore = hub.bytesSent();
    const second = await modelFromUrl(url, options);
    expect(second.remote?.fromCache).toBe(true);
    expect(second.sizable.weights).toEqual(first.sizable.weights);
    const checks = hub.requests.slice(count);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ ifNoneMatch: '"one"', status: 304 });
    expect(hub.bytesSent() - sentBefore).toBe(0);

    hub.route('/cached/model.gguf', { kind: 'file', data: q8, etag: '"two"' });
    const third = await modelFromUrl(url, options);
    expect(third.remote).toMatchObject({ fromCache: false, etag: '"two"' });
    expect(third.sizable.quant).toBe('Q8_0');

    const listed = await listCachedRemoteModels(options.cacheDir as string);
    expect(listed).toEqual([expect.objectContaining({ url, name: 'Tiny Q8_0', architecture: 'llama', fileBytes: q8.length })]);
  });

  it('a server that ignores If-None-Match but sends the same ETag costs one small range', async () => {
    let calls = 0;
    hub.route('/etag-only/model.gguf', {
      kind: 'handler',
      handle: (req, res) => {
        calls++;
        const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '') as RegExpExecArray;
        const start = Number(m[1]);
        const end = Math.min(q4.length - 1, Number(m[2]));
        res.writeHead(206, { etag: '"same"', 'content-range': `bytes ${start}-${end}/${q4.length}` }).end(q4.subarray(start, end + 1));
      },
    });
    const options = opts();
    await modelFromUrl(hub.url('/etag-only/model.gguf'), options);
    const before = calls;
    const again = await modelFromUrl(hub.url('/etag-only/model.gguf'), options);
    expect(again.remote?.fromCache).toBe(true);
    expect(calls - before).toBe(1);
  });

  it('ignores and rewrites a damaged cache file', async () => {
    hub.route('/damaged/model.gguf', { kind: 'file', data: q4, etag: '"d"' });
    const options = opts();
    await modelFromUrl(hub.url('/damaged/model.gguf'), options);
    const folder = remoteCacheFolder(options.cacheDir as string);
    const [file] = readdirSync(folder);
    writeFileSync(join(folder, file as string), '{"schema":1,"url":"');
    const again = await modelFromUrl(hub.url('/damaged/model.gguf'), options);
    expect(again.remote?.fromCache).toBe(false);
    expect(await listCachedRemoteModels(options.cacheDir as string)).toHaveLength(1);
  });

  it('offline, the cached header is used', async () => {
    const gone = await startGgufHttpServer();
    gone.route('/m.gguf', { kind: 'file', data: q4, etag: '"o"' });
    const options = opts();
    await modelFromUrl(gone.url('/m.gguf'), options);
    await gone.close();
    const offline = await modelFromUrl(gone.url('/m.gguf'), options);
    expect(offline.remote?.fromCache).toBe(true);
    expect(offline.sizable.quant).toBe('Q4_K_M');
  });
});

describe('hf:ORG/REPO[:QUANT]', () => {
  let q8Parts: Buffer[];
  beforeAll(async () => {
    q8Parts = await splitGguf(q8, 2);
    const files: Record<string, Buffer> = {
      'Tiny-Q4_K_M.gguf': q4,
      'Q8_0/Tiny-Q8_0-00001-of-00002.gguf': q8Parts[0] as Buffer,
      'Q8_0/Tiny-Q8_0-00002-of-00002.gguf': q8Parts[1] as Buffer,
      'mmproj-Tiny-F16.gguf': q4,
    };
    const tree = [
      { type: 'file', path: 'README.md', size: 10 },
      { type: 'directory', path: 'Q8_0', size: 0 },
      ...Object.entries(files).map(([path, data]) => ({ type: 'file', path, size: data.length, lfs: { size: data.length } })),
    ];
    // Two pages, as the Hub paginates long listings with a Link header.
    hub.route('/api/models/org/Tiny-GGUF/tree/main', {
      kind: 'handler',
      handle: (req, res) => {
        const second = (req.url ?? '').includes('cursor=2');
        const body = second ? tree.slice(3) : tree.slice(0, 3);
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(second ? {} : { link: `<${hub.url('/api/models/org/Tiny-GGUF/tree/main?recursive=true&cursor=2')}>; rel="next"` }),
        });
        res.end(JSON.stringify(body));
      },
    });
    for (const [path, data] of Object.entries(files)) {
      cdn.route(`/xet/${path}`, { kind: 'file', data, etag: `"${path}"` });
      hub.route(`/org/Tiny-GGUF/resolve/main/${path}`, { kind: 'redirect', location: cdn.url(`/xet/${path}`), status: 302 });
    }
    hub.route('/api/models/org/Gated-GGUF/tree/main', { kind: 'json', body: [], token: 'gated-token' });
  });

  it('parses references and reads quants from file names', () => {
    expect(parseHfRef('hf:org/Tiny-GGUF:q4_k_m')).toEqual({ repo: 'org/Tiny-GGUF', quant: 'q4_k_m' });
    expect(parseHfRef('hf.co/org/Tiny-GGUF')).toEqual({ repo: 'org/Tiny-GGUF', quant: null });
    expect(parseHfRef('./models/x.gguf')).toBeNull();
    expect(() => parseHfRef('hf:not-a-repo')).toThrow(/hf:ORG\/REPO/);
    expect(quantOfPath('Qwen2.5-7B-Instruct-Q4_K_M.gguf')).toBe('Q4_K_M');
    expect(quantOfPath('llama-2-7b.Q5_K_S.gguf')).toBe('Q5_K_S');
    expect(quantOfPath('UD-Q4_K_XL/Model-UD-Q4_K_XL-00001-of-00003.gguf')).toBe('Q4_K_XL');
    expect(quantOfPath('gpt-oss-20b-mxfp4.gguf')).toBe('MXFP4');
  });

  it('sizes the quant named, merging a split model from its parts', async () => {
    const split = await resolveModelArg('hf:org/Tiny-GGUF:q8_0', undefined, opts());
    hub.route('/whole-q8.gguf', { kind: 'file', data: q8 });
    const whole = await modelFromUrl(hub.url('/whole-q8.gguf'), opts());
    expect(split.sizable.modelId).toBe('hf:org/Tiny-GGUF:Q8_0');
    expect(split.sizable.quant).toBe('Q8_0');
    expect(split.remote?.parts).toBe(2);
    expect(split.fileBytes).toBe((q8Parts[0]?.length ?? 0) + (q8Parts[1]?.length ?? 0));
    expect(split.sizable.weights).toEqual(whole.sizable.weights);
    expect(split.sizable.paramsB).toBe(whole.sizable.paramsB);
    expect(split.sizable.weightsFrom).toMatch(/2 parts/);
  });

  it('the quant can come from --quant too', async () => {
    const model = await resolveModelArg('hf:org/Tiny-GGUF', 'Q4_K_M', opts());
    expect(model.sizable.quant).toBe('Q4_K_M');
  });

  it('without a quant: every quant sized (projectors reported, not sized); one model asked for lists them', async () => {
    const all = await modelsFromHf('hf:org/Tiny-GGUF', undefined, opts());
    expect(all.models.map((m) => m.sizable.quant).sort()).toEqual(['Q4_K_M', 'Q8_0']);
    expect(all.mmproj).toEqual(['mmproj-Tiny-F16.gguf']);
    await expect(resolveModelArg('hf:org/Tiny-GGUF', undefined, opts())).rejects.toThrow(
      /has 2 quants \(Q4_K_M, Q8_0\): name one, e\.g\. hf:org\/Tiny-GGUF:Q4_K_M/,
    );
  });

  it('a quant the repository lacks: lists the ones it has', async () => {
    const error = await failure(resolveModelArg('hf:org/Tiny-GGUF:Q2_K', undefined, opts()));
    expect(error).toBeInstanceOf(ModelArgError);
    expect(error.message).toMatch(/has no Q2_K file: it has Q4_K_M, Q8_0/);
  });

  it('a private or missing repository: says to check the name or set HF_TOKEN, without the token', async () => {
    const error = await failure(resolveModelArg('hf:org/Gated-GGUF:Q4_K_M', undefined, opts({ token: TOKEN })));
    expect(error.message).toMatch(/not found or is private.*HF_TOKEN/);
    expect(error.message).not.toContain(TOKEN);
    const missing = await failure(resolveModelArg('hf:org/Nope-GGUF:Q4_K_M', undefined, opts()));
    expect(missing.message).toMatch(/not found or is private \(HTTP 404\)/);
  });

  it('one broken quant leaves the others sized and says why', async () => {
    hub.route('/api/models/org/Mixed-GGUF/tree/main', {
      kind: 'json',
      body: [
        { type: 'file', path: 'Mixed-Q4_K_M.gguf', size: q4.length },
        { type: 'file', path: 'Mixed-Q2_K.gguf', size: 123 },
        { type: 'file', path: 'Mixed-Q6_K-00001-of-00002.gguf', size: 1 },
      ],
    });
    hub.route('/org/Mixed-GGUF/resolve/main/Mixed-Q4_K_M.gguf', { kind: 'file', data: q4 });
    const mixed = await modelsFromHf('hf:org/Mixed-GGUF', undefined, opts());
    expect(mixed.models.map((m) => m.sizable.modelId)).toEqual(['hf:org/Mixed-GGUF:Q4_K_M']);
    expect(mixed.failed).toEqual([{ quant: 'Q2_K', message: expect.stringMatching(/not found .*HTTP 404/) as unknown as string }]);
  });

  it('offline, a hf: reference is sized from the cached headers', async () => {
    const gone = await startGgufHttpServer();
    gone.route('/api/models/org/Away-GGUF/tree/main', {
      kind: 'json',
      body: [{ type: 'file', path: 'Away-Q4_K_M.gguf', size: q4.length }],
    });
    gone.route('/org/Away-GGUF/resolve/main/Away-Q4_K_M.gguf', { kind: 'file', data: q4, etag: '"away"' });
    const options = opts({ env: { RIGHTSIZE_HF_ENDPOINT: gone.baseUrl } });
    await resolveModelArg('hf:org/Away-GGUF:Q4_K_M', undefined, options);
    await gone.close();
    const offline = await resolveModelArg('hf:org/Away-GGUF:Q4_K_M', undefined, options);
    expect(offline.remote?.fromCache).toBe(true);
    expect(offline.sizable.modelId).toBe('hf:org/Away-GGUF:Q4_K_M');
    await expect(resolveModelArg('hf:org/Away-GGUF:Q8_0', undefined, options)).rejects.toThrow(/has no Q8_0 file: it has Q4_K_M/);
  });

  it('the second hf: lookup uses the cached headers', async () => {
    const options = opts();
    await resolveModelArg('hf:org/Tiny-GGUF:Q8_0', undefined, options);
    const again = await resolveModelArg('hf:org/Tiny-GGUF:Q8_0', undefined, options);
    expect(again.remote?.fromCache).toBe(true);
  });
});

describe('the byte source', () => {
  it('serves the parser from the first window without a second request when it can', async () => {
    hub.route('/window/model.gguf', { kind: 'file', data: q4 });
    const source = await openHttpSource(hub.url('/window/model.gguf'));
    expect(source?.size).toBe(q4.length);
    const before = hub.requests.length;
    const head = await source?.read(0, 4);
    expect(Buffer.from(head ?? []).toString('latin1')).toBe('GGUF');
    expect(hub.requests.length).toBe(before);
  });
});

describe('rightsize estimate URL | hf:', () => {
  it('sizes a URL and a hf: reference end to end through the CLI and the service', async () => {
    const root = join(TMP, 'cli');
    // The service reads remote files with its own environment and cache folder, not this process's.
    const env = { RIGHTSIZE_HF_ENDPOINT: hub.baseUrl };
    {
      hub.route('/cli/Tiny-Q4_K_M.gguf', { kind: 'file', data: q4, etag: '"cli"' });
      const detected = makeSnapshot({ ramBytes: 64 * GiB, gpus: [rtx4090()] });
      const byUrl = await runCliInProcess(['estimate', hub.url('/cli/Tiny-Q4_K_M.gguf'), '--ctx', '512', '--json'], detected, root, env);
      expect(byUrl.stderr).toBe('');
      const e = EstimateResultSchema.parse(JSON.parse(byUrl.stdout));
      expect(e.model).toMatchObject({ origin: 'url', path: null, quant: 'Q4_K_M', fileBytes: q4.length });
      const byHf = await runCliInProcess(['estimate', 'hf:org/Tiny-GGUF:Q8_0', '--ctx', '512', '--json'], detected, root, env);
      expect(EstimateResultSchema.parse(JSON.parse(byHf.stdout)).model).toMatchObject({
        id: 'hf:org/Tiny-GGUF:Q8_0',
        origin: 'url',
        quant: 'Q8_0',
      });
      const missing = await runCliInProcess(['estimate', hub.url('/cli/none.gguf')], detected, root, env);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/not found at .*check the URL/);
      // The remote header landed in the service's cache folder.
      expect(readdirSync(join(root, 'cache', 'remote-gguf')).length).toBeGreaterThan(0);
    }
  });

  it('report --file hf:ORG/REPO sizes every quant as a row; a gated one is a problem, and --hf-token reaches Hugging Face only', async () => {
    const root = join(TMP, 'cli-report');
    const env = { RIGHTSIZE_HF_ENDPOINT: hub.baseUrl };
    const detected = makeSnapshot({ ramBytes: 64 * GiB, gpus: [rtx4090()] });
    const run = await runCliInProcess(
      ['report', '--file', 'hf:org/Tiny-GGUF', '--file', 'hf:org/Gated-GGUF', '--json', '--hf-token', 'hf_wrong'],
      detected,
      root,
      env,
    );
    expect(run.stderr).toBe('');
    const report = ReportSchema.parse(JSON.parse(run.stdout));
    const files = report.rows.filter((r) => r.origin === 'file');
    expect(files.map((r) => [r.modelId, r.quant])).toEqual([
      ['hf:org/Tiny-GGUF:Q4_K_M', 'Q4_K_M'],
      ['hf:org/Tiny-GGUF:Q8_0', 'Q8_0'],
    ]);
    expect(report.fileProblems).toHaveLength(1);
    expect(report.fileProblems[0]?.path).toBe('hf:org/Gated-GGUF');
    expect(report.fileProblems[0]?.message).toMatch(/HF_TOKEN|--hf-token/);
    expect(run.stdout).not.toContain('hf_wrong');
    // The text report lists them under "Your files".
    const text = await runCliInProcess(['report', '--file', 'hf:org/Tiny-GGUF:Q8_0', '--no-color'], detected, root, env);
    expect(text.stdout).toMatch(/Your files, sized from their real tensors\n.*Q8_0/);
  });

  it('bench and measure refuse a remote model and say to download it first', async () => {
    const root = join(TMP, 'cli-bench');
    const detected = makeSnapshot({ ramBytes: 64 * GiB });
    for (const args of [
      ['bench', 'hf:org/Tiny-GGUF:Q8_0'],
      ['measure', 'https://example.invalid/model.gguf'],
    ]) {
      const run = await runCliInProcess(args, detected, root, { RIGHTSIZE_HF_ENDPOINT: hub.baseUrl });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/is remote: download it first/);
    }
  });
});
