// The boundary holds under bad input: every HostApi method, over Electron's IPC (with the fakes of
// main-wiring.test.ts) and over HTTP to a real web host, gets wrong types, missing fields, 10 MB
// strings, deep nesting, prototype keys and out-of-range numbers. Each must come back as a clear
// refusal while the host stays up, nothing is written and no run (no child process) starts.
// The cases are derived from the input schemas, so a new method or field is covered without edits.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HOST_API_METHODS, HostApiSchemas, ipcChannel, type HostApiMethod, type HostEvent } from '../../src/shared/api';
import { registerHostApi, type IpcEventLike } from '../../src/main/ipc';
import { createService, UserFacingError, type Service } from '../../src/node/service';
import { startWebHost, type WebHost } from '../../src/web/server';
import { makeSnapshot } from '../helpers/hardware';

/** A piece of malformed input, as JSON text: HTTP sends it as is, IPC gets JSON.parse of it (so `__proto__` is an own key). */
interface BadInput {
  label: string;
  text: string;
}

const TEN_MB_CHARS = 10 * 1024 * 1024;
const tenMegabyteString = 'x'.repeat(TEN_MB_CHARS);
const tenMegabyteText = JSON.stringify(tenMegabyteString);
const NESTING_LEVELS = 10_000;
/** The web host's body cap (src/web/server.ts); a longer body is refused before parsing. */
const HTTP_BODY_CAP_BYTES = 64 * 1024;
/** An error message is advice for a person: short, whatever the caller sent. */
const MAX_MESSAGE_CHARS = 2_000;

/** Values of every JSON type, out of range and of absurd size; each field gets those its schema refuses. */
const WRONG_VALUE_TEXTS = [
  '12345',
  '-1',
  '0',
  '1.5',
  '1e300',
  '-1e300',
  // Literal JSON numbers beyond a double: JSON.parse turns them into Infinity.
  '1e309',
  '-1e309',
  '9007199254740993',
  '"12"',
  '"NaN"',
  '"Infinity"',
  '"text"',
  '""',
  '[]',
  '[1]',
  '["a"]',
  '[null]',
  '{}',
  'null',
  'true',
  'false',
  JSON.stringify('x'.repeat(60_000)),
  JSON.stringify(Array.from({ length: 5_000 }, () => 'a')),
];
const TOP_LEVEL_WRONG_TEXTS = ['12345', '"text"', '[]', '[{}]', 'null', 'true', 'false', '1e309'];
const deepObjectText = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const deepArrayText = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);

/** A field of a method's input, reached through nested objects (whatIf.vramBytes). */
interface Field {
  path: string[];
  schema: z.ZodType;
}

function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault)
    current = current.unwrap() as z.ZodType;
  return current;
}

function fieldsOf(schema: z.ZodObject, path: string[] = []): Field[] {
  return Object.entries(schema.shape).flatMap(([key, fieldSchema]) => {
    const field: Field = { path: [...path, key], schema: fieldSchema as z.ZodType };
    const inner = unwrapSchema(field.schema);
    return inner instanceof z.ZodObject ? [field, ...fieldsOf(inner, field.path)] : [field];
  });
}

/** The objects a method's input holds: the input itself and nested ones (whatIf). */
function objectPathsOf(schema: z.ZodObject): string[][] {
  return [
    [],
    ...fieldsOf(schema)
      .filter((f) => unwrapSchema(f.schema) instanceof z.ZodObject)
      .map((f) => f.path),
  ];
}

const nestText = (path: string[], valueText: string): string =>
  path.reduceRight((inner, key) => `{${JSON.stringify(key)}:${inner}}`, valueText);
const refuses = (schema: z.ZodType, valueText: string): boolean => !schema.safeParse(JSON.parse(valueText)).success;
const inputSchemaOf = (method: HostApiMethod): z.ZodObject => HostApiSchemas[method].input as unknown as z.ZodObject;

/** Every malformed input for one method, each under the HTTP body cap. */
function badInputsFor(method: HostApiMethod): BadInput[] {
  const schema = inputSchemaOf(method);
  const cases: BadInput[] = TOP_LEVEL_WRONG_TEXTS.map((text) => ({ label: `input = ${text}`, text }));
  cases.push(
    { label: 'deep object as input', text: deepObjectText(NESTING_LEVELS) },
    { label: 'deep array as input', text: deepArrayText(NESTING_LEVELS) },
  );
  if (!schema.safeParse({}).success) cases.push({ label: 'required fields missing', text: '{}' });
  for (const objectPath of objectPathsOf(schema)) {
    const where = objectPath.join('.') || 'input';
    cases.push(
      { label: `${where}: __proto__ key`, text: nestText(objectPath, '{"__proto__":{"polluted":true,"refresh":true,"contextTokens":1}}') },
      { label: `${where}: constructor.prototype key`, text: nestText(objectPath, '{"constructor":{"prototype":{"polluted":true}}}') },
      { label: `${where}: prototype key`, text: nestText(objectPath, '{"prototype":{"polluted":true}}') },
      { label: `${where}: unknown key`, text: nestText(objectPath, '{"rm":"-rf"}') },
    );
  }
  for (const field of fieldsOf(schema)) {
    const where = field.path.join('.');
    for (const valueText of WRONG_VALUE_TEXTS) {
      if (refuses(field.schema, valueText))
        cases.push({ label: `${where} = ${valueText.slice(0, 40)}`, text: nestText(field.path, valueText) });
    }
    // Deep nesting where a value is expected: the 10,000th level must not be reached by any recursion.
    cases.push(
      { label: `${where} = deep object`, text: nestText(field.path, deepObjectText(NESTING_LEVELS)) },
      { label: `${where} = deep array`, text: nestText(field.path, deepArrayText(NESTING_LEVELS)) },
    );
  }
  return cases;
}

const nestValue = (path: string[], value: unknown): unknown => path.reduceRight((inner, key) => ({ [key]: inner }), value);

/** Over IPC there is no body cap: zod's own bounds must refuse 10 MB in every field (built as values: parsing 10 MB each time is slow). */
function tenMegabyteInputsFor(method: HostApiMethod): Array<{ label: string; input: unknown }> {
  return [
    { label: '10 MB string as input', input: tenMegabyteString },
    { label: '10 MB key', input: { [tenMegabyteString]: 1 } },
    ...fieldsOf(inputSchemaOf(method)).flatMap((field) => [
      { label: `${field.path.join('.')} = 10 MB string`, input: nestValue(field.path, tenMegabyteString) },
      { label: `${field.path.join('.')} = [10 MB string]`, input: nestValue(field.path, [tenMegabyteString]) },
    ]),
  ];
}

// ---------------------------------------------------------------- the hosts under test

const dataDir = mkdtempSync(join(tmpdir(), 'rightsize-boundary-data-'));
const cacheDir = mkdtempSync(join(tmpdir(), 'rightsize-boundary-cache-'));
const rendererDir = mkdtempSync(join(tmpdir(), 'rightsize-boundary-renderer-'));
writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>rightsize</title>');

const hostEvents: HostEvent[] = [];
function makeHermeticService(face: 'electron' | 'web'): Service {
  const service = createService({
    face,
    detect: async () => makeSnapshot(),
    discover: async () => ({ models: [], searched: [] }),
    dataDir,
    cacheDir,
    // No llama-bench on a PATH, no developer's folders.
    env: {},
  });
  service.onEvent((event) => hostEvents.push(event));
  return service;
}

const ipcHandlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>>();
const ourWindow: IpcEventLike = { sender: { id: 7 }, senderFrame: { url: 'file:///app/out/renderer/index.html' } };
const ipcService = makeHermeticService('electron');
registerHostApi({ handle: (channel, listener) => ipcHandlers.set(channel, listener) }, ipcService, (event) => event.sender.id === 7);
const callIpc = (method: HostApiMethod, input: unknown): Promise<unknown> => ipcHandlers.get(ipcChannel(method))!(ourWindow, input);

let webService: Service;
let host: WebHost;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

beforeAll(async () => {
  webService = makeHermeticService('web');
  host = await startWebHost({ service: webService, rendererDir });
});
afterAll(async () => {
  await host.close();
  agent.destroy();
  ipcService.dispose();
  webService.dispose();
  for (const dir of [dataDir, cacheDir, rendererDir]) rmSync(dir, { recursive: true, force: true });
});

interface HttpAnswer {
  status: number;
  body: string;
}

interface PostOptions {
  method?: string;
  via?: Agent;
  /** Send the body in pieces without a Content-Length, so the host learns its size only while reading. */
  chunked?: boolean;
}

function post(path: string, body: string, options: PostOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      Host: `127.0.0.1:${host.port}`,
      Authorization: `Bearer ${host.token}`,
      'Content-Type': 'application/json',
    };
    if (options.chunked) headers['Transfer-Encoding'] = 'chunked';
    const req = request(
      { host: '127.0.0.1', port: host.port, path, method: options.method ?? 'POST', agent: options.via ?? agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (!options.chunked) {
      req.end(body);
      return;
    }
    const pieceChars = 16 * 1024;
    for (let at = 0; at < body.length; at += pieceChars) req.write(body.slice(at, at + pieceChars));
    req.end();
  });
}

function expectHttpRefusal(answer: HttpAnswer, label: string): void {
  expect(answer.status, `${label}: ${answer.body.slice(0, 200)}`).toBe(400);
  const parsed = JSON.parse(answer.body) as { error?: { message?: unknown; code?: unknown } };
  expect(typeof parsed.error?.message, label).toBe('string');
  expect((parsed.error!.message as string).length, label).toBeGreaterThan(0);
  expect((parsed.error!.message as string).length, label).toBeLessThan(MAX_MESSAGE_CHARS);
  expect(['invalid-input', 'bad-body'], label).toContain(parsed.error?.code);
}

function expectIpcRefusal(reply: unknown, label: string): void {
  const failure = reply as { ok?: unknown; error?: { message?: unknown; code?: unknown } };
  expect(failure.ok, label).toBeUndefined();
  expect(failure.error?.code, label).toBe('invalid-input');
  expect(typeof failure.error?.message, label).toBe('string');
  expect((failure.error!.message as string).length, label).toBeGreaterThan(0);
  expect((failure.error!.message as string).length, label).toBeLessThan(MAX_MESSAGE_CHARS);
}

/** Children of this process (Linux): a run would have spawned the llama worker. */
function childProcessIds(): string[] {
  const tasks = `/proc/${process.pid}/task`;
  if (!existsSync(tasks)) return [];
  return readdirSync(tasks).flatMap((tid) => {
    try {
      return readFileSync(join(tasks, tid, 'children'), 'utf8')
        .split(/\s+/)
        .filter(Boolean);
    } catch {
      return [];
    }
  });
}

const childrenBefore = new Set(childProcessIds());

/** After each batch: nothing written, no run, no child process, no polluted prototype. */
function expectNothingHappened(label: string): void {
  expect(readdirSync(dataDir), `${label}: data dir`).toEqual([]);
  expect(readdirSync(cacheDir), `${label}: cache dir`).toEqual([]);
  expect(
    hostEvents.filter((e) => e.type === 'run'),
    `${label}: runs started`,
  ).toEqual([]);
  expect(
    childProcessIds().filter((pid) => !childrenBefore.has(pid)),
    `${label}: child processes`,
  ).toEqual([]);
  expect(({} as Record<string, unknown>).polluted, `${label}: Object.prototype`).toBeUndefined();
  expect(({} as Record<string, unknown>).refresh, `${label}: Object.prototype`).toBeUndefined();
}

const RANDOM_RUN_ID = '0b6f2c1e-3a4d-4f5e-9a7b-8c9d0e1f2a3b';

describe('the HostApi boundary under malformed input', () => {
  it('derives cases for every method and field (a new one is covered without edits)', () => {
    for (const method of HOST_API_METHODS) {
      expect(inputSchemaOf(method), method).toBeInstanceOf(z.ZodObject);
      expect(badInputsFor(method).length, method).toBeGreaterThan(10);
      for (const field of fieldsOf(inputSchemaOf(method))) {
        const label = `${method}.${field.path.join('.')}`;
        // Every field is typed: most wrong values are refused (a z.any() would refuse none).
        expect(WRONG_VALUE_TEXTS.filter((text) => refuses(field.schema, text)).length, label).toBeGreaterThan(WRONG_VALUE_TEXTS.length / 2);
        // And bounded: no 10 MB string, no huge or infinite number, no 5,000-item array.
        for (const value of [1e300, -1e300, Infinity, tenMegabyteString, Array.from({ length: 5_000 }, () => 'a')]) {
          expect(field.schema.safeParse(value).success, `${label} accepts ${String(value).slice(0, 20)}`).toBe(false);
        }
      }
    }
  });

  it('every input object is strict (unknown keys refused, not dropped)', () => {
    for (const method of HOST_API_METHODS) {
      const schema = inputSchemaOf(method);
      for (const path of objectPathsOf(schema)) {
        expect(schema.safeParse(JSON.parse(nestText(path, '{"rm":"-rf"}'))).success, `${method} ${path.join('.')}`).toBe(false);
      }
    }
  });

  it.each(HOST_API_METHODS)('IPC: %s refuses every malformed input with invalid-input', async (method) => {
    for (const bad of badInputsFor(method)) expectIpcRefusal(await callIpc(method, JSON.parse(bad.text)), `${method} ${bad.label}`);
    for (const bad of tenMegabyteInputsFor(method)) expectIpcRefusal(await callIpc(method, bad.input), `${method} ${bad.label}`);
    const version = (await callIpc('getVersion', {})) as { ok?: { face: string } };
    expect(version.ok?.face).toBe('electron');
    expectNothingHappened(`IPC ${method}`);
  });

  it.each(HOST_API_METHODS)('HTTP: %s answers 400 with advice to every malformed body', async (method) => {
    for (const bad of badInputsFor(method)) {
      expect(Buffer.byteLength(bad.text), bad.label).toBeLessThan(HTTP_BODY_CAP_BYTES);
      expectHttpRefusal(await post(`/api/${method}`, bad.text), `${method} ${bad.label}`);
    }
    // Bodies JSON.parse refuses, and 10 MB that the body cap refuses before parsing.
    for (const text of ['{nope', '{"a":1,}', '\u0000', `{"model":${tenMegabyteText}}`, deepArrayText(100_000)]) {
      expectHttpRefusal(await post(`/api/${method}`, text), `${method} body ${text.slice(0, 20)}`);
    }
    const version = await post('/api/getVersion', '{}');
    expect(version.status).toBe(200);
    expect(JSON.parse(version.body).face).toBe('web');
    expectNothingHappened(`HTTP ${method}`);
  });

  it('no run exists after all that', async () => {
    const ipcRun = (await callIpc('getRun', { runId: RANDOM_RUN_ID })) as { error?: { code: string } };
    expect(ipcRun.error?.code).toBe('not-found');
    const httpRun = await post('/api/getRun', JSON.stringify({ runId: RANDOM_RUN_ID }));
    expect(httpRun.status).toBe(400);
    expect(JSON.parse(httpRun.body).error.code).toBe('not-found');
    expectNothingHappened('after all');
  });

  it('an unknown method name is a 404 over HTTP and a user-facing error from the service', async () => {
    for (const name of [
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'valueOf',
      '',
      'getReport/',
      'GETREPORT',
      '%E0%A4%A',
      'x'.repeat(10_000),
    ]) {
      const answer = await post(`/api/${name}`, '{}');
      expect(answer.status, name.slice(0, 20)).toBe(404);
      expect(JSON.parse(answer.body).error.code).toBe('unknown-method');
    }
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x'.repeat(TEN_MB_CHARS)]) {
      const failure = await webService.call(name as never, {}).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure, name.slice(0, 20)).toBeInstanceOf(UserFacingError);
      expect((failure as UserFacingError).code).toBe('unknown-method');
      expect((failure as UserFacingError).message.length).toBeLessThan(MAX_MESSAGE_CHARS);
    }
    expect((await post('/api/getVersion', '{}')).status).toBe(200);
  });

  it('a body over the cap, declared or chunked, is a 400 and the same keep-alive connection still answers', async () => {
    // One socket, so the call after the refusal travels on the connection the refusal used.
    const oneSocket = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const chunked of [false, true, false, true]) {
        for (const body of [`{"model":${tenMegabyteText}}`, deepArrayText(100_000)]) {
          expectHttpRefusal(await post('/api/estimate', body, { via: oneSocket, chunked }), `chunked=${chunked} ${body.length} chars`);
          const version = await post('/api/getVersion', '{}', { via: oneSocket });
          expect(version.status).toBe(200);
        }
      }
    } finally {
      oneSocket.destroy();
    }
  });

  it('a malformed percent escape in the path is a 400, not a 500, and the host stays up', async () => {
    expect((await post('/%E0%A4%A', '', { method: 'GET' })).status).toBe(400);
    expect((await post('/%', '', { method: 'GET' })).status).toBe(400);
    expect((await post('/', '', { method: 'GET' })).status).toBe(200);
    expect((await post('/api/getVersion', '{}')).status).toBe(200);
  });
});
