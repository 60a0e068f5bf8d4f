import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService } from '../../src/node/service';
import { startWebHost, type WebHost } from '../../src/web/server';
import { ReportSchema } from '../../src/shared/schema';
import { GiB } from '../../src/shared/units';
import { makeSnapshot, rtx4090 } from '../helpers/hardware';

let host: WebHost;
const rendererDir = mkdtempSync(join(tmpdir(), 'rightsize-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>rightsize</title>');

beforeAll(async () => {
  const service = createService({ face: 'web', detect: async () => makeSnapshot({ ramBytes: 64 * GiB, gpus: [rtx4090()] }) });
  host = await startWebHost({ service, rendererDir });
});
afterAll(() => host.close());

function call(
  path: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: host.port,
        path,
        method: options.method ?? 'POST',
        headers: { Host: `127.0.0.1:${host.port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
const auth = (): Record<string, string> => ({ Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' });

describe('web host', () => {
  it('binds 127.0.0.1 only and prints a URL with a per-run token', () => {
    const address = host.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{20,}$/);
  });

  it('serves the report to a caller with the token, valid against the schema', async () => {
    const res = await call('/api/getReport', { body: JSON.stringify({ contextTokens: 4096, kvType: 'q8_0' }), headers: auth() });
    expect(res.status).toBe(200);
    const report = ReportSchema.parse(JSON.parse(res.body));
    expect(report.settings).toEqual({ contextTokens: 4096, kvType: 'q8_0' });
  });

  it('refuses a missing or wrong token, a foreign Host or Origin', async () => {
    expect((await call('/api/getReport', { body: '{}' })).status).toBe(401);
    expect((await call('/api/getReport', { body: '{}', headers: { Authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await call('/api/getReport', { body: '{}', headers: { ...auth(), Host: 'evil.example:80' } })).status).toBe(421);
    expect((await call('/api/getReport', { body: '{}', headers: { ...auth(), Origin: 'http://evil.example' } })).status).toBe(403);
  });

  it('validates every payload with the shared schema and answers with advice', async () => {
    const bad = await call('/api/getReport', { body: JSON.stringify({ contextTokens: 0 }), headers: auth() });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/contextTokens/);
    const extra = await call('/api/getReport', { body: JSON.stringify({ contextTokens: 4096, rm: '-rf' }), headers: auth() });
    expect(extra.status).toBe(400);
    const notJson = await call('/api/getReport', { body: '{nope', headers: auth() });
    expect(notJson.status).toBe(400);
    const unknown = await call('/api/deleteEverything', { body: '{}', headers: auth() });
    expect(unknown.status).toBe(404);
    const huge = await call('/api/getReport', { body: 'x'.repeat(100_000), headers: auth() });
    expect(huge.status).toBe(400);
    // Beyond every catalogued model's maximum (Llama 4 Scout's 10,485,760 is the largest).
    const beyond = await call('/api/getReport', { body: JSON.stringify({ contextTokens: 20_000_000 }), headers: auth() });
    expect(beyond.status).toBe(400);
    expect(JSON.parse(beyond.body).error.message).toMatch(/maximum/);
  });

  it('serves the page with a strict CSP and nothing outside its folder', async () => {
    const page = await call('/', { method: 'GET' });
    expect(page.status).toBe(200);
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await call('/../../../etc/passwd', { method: 'GET' })).status).toBe(404);
    expect((await call('/%2e%2e/%2e%2e/etc/passwd', { method: 'GET' })).status).toBe(404);
    // A malformed percent escape is the caller's mistake: 400, and the host stays up.
    expect((await call('/%E0%A4%A', { method: 'GET' })).status).toBe(400);
    expect((await call('/', { method: 'GET' })).status).toBe(200);
  });

  it("pushes the service's events as Server-Sent Events to a caller with the token", async () => {
    expect((await call('/api/events', { method: 'GET' })).status).toBe(401);
    expect((await call('/api/events', { method: 'POST', headers: auth() })).status).toBe(405);
    const events: string[] = [];
    const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: host.port, path: '/api/events', method: 'GET', headers: { Host: `127.0.0.1:${host.port}`, ...auth() } },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    expect(stream.statusCode).toBe(200);
    expect(String(stream.headers['content-type'])).toContain('text/event-stream');
    stream.on('data', (chunk: Buffer) => events.push(chunk.toString()));
    await call('/api/getHardware', { body: JSON.stringify({ refresh: true }), headers: auth() });
    await expect.poll(() => events.join(''), { timeout: 5000 }).toMatch(/event: hardware\ndata: \{"type":"hardware","phase":"detected"/);
    stream.destroy();
  });
});
