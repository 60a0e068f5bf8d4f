// Model discovery over fake trees laid out the way LM Studio, Ollama, the Hugging Face cache and
// node-llama-cpp leave them on disk.
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverModels, type DiscoveredModel, type DiscoveryResult } from '../../src/node/models/discovery';
import { huggingFaceCacheDir } from '../../src/node/models/discovery/huggingface';
import { llamaCppCacheDir } from '../../src/node/models/discovery/llama-cpp';
import { modelsFolderFromLmStudioSettings } from '../../src/node/models/discovery/lm-studio';
import { OLLAMA_MODEL_MEDIA_TYPE, ollamaDisplayName, ollamaModelDigest } from '../../src/node/models/discovery/ollama';
import { main } from '../../src/cli/index';
import { createService } from '../../src/node/service';
import type { DiscoverOptions } from '../../src/node/models/discovery';

/** `rightsize models` through the CLI and the real service, searching a fake home. */
function runModels(
  args: string[],
  io: { stdout(t: string): void; stderr(t: string): void; isTTY: boolean },
  options: Omit<DiscoverOptions, 'extraFolders'> = {},
): Promise<number> {
  return main(['models', ...args], io, {
    createService: (o) =>
      createService({
        ...o,
        discover: ({ folders }) =>
          discoverModels({ ...options, extraFolders: folders }).then((r) => ({ models: r.models, searched: r.searched })),
      }),
  });
}

const STORIES = join(import.meta.dirname, '../../../shared/models/stories260K.gguf');
const STORIES_BYTES = 1_185_376;
const WHEN = new Date('2025-03-04T05:06:07.000Z');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

let tmp: string;

async function ggufFile(file: string, bytes: number): Promise<string> {
  await mkdir(join(file, '..'), { recursive: true });
  const body = Buffer.alloc(bytes);
  body.write('GGUF', 0, 'latin1');
  body.writeUInt32LE(3, 4);
  await writeFile(file, body);
  await utimes(file, WHEN, WHEN);
  return file;
}

async function textFile(file: string, text: string): Promise<string> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
  return file;
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** An Ollama manifest as `ollama pull` writes it: config, model, template, params layers. */
async function ollamaModel(
  models: string,
  host: string,
  namespace: string,
  model: string,
  tag: string,
  modelBlob: Buffer,
): Promise<string> {
  const modelDigest = sha256(modelBlob);
  const template = Buffer.from('{{ .Prompt }}');
  const config = Buffer.from(JSON.stringify({ model_format: 'gguf', model_family: 'llama' }));
  const blobs = join(models, 'blobs');
  await mkdir(blobs, { recursive: true });
  await writeFile(join(blobs, `sha256-${modelDigest}`), modelBlob);
  await utimes(join(blobs, `sha256-${modelDigest}`), WHEN, WHEN);
  await writeFile(join(blobs, `sha256-${sha256(template)}`), template);
  await writeFile(join(blobs, `sha256-${sha256(config)}`), config);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: `sha256:${sha256(config)}`, size: config.length },
    layers: [
      { mediaType: 'application/vnd.ollama.image.model', digest: `sha256:${modelDigest}`, size: modelBlob.length },
      { mediaType: 'application/vnd.ollama.image.template', digest: `sha256:${sha256(template)}`, size: template.length },
    ],
  };
  await textFile(join(models, 'manifests', host, namespace, model, tag), JSON.stringify(manifest));
  return join(blobs, `sha256-${modelDigest}`);
}

function gguf(bytes: number): Buffer {
  const body = Buffer.alloc(bytes);
  body.write('GGUF', 0, 'latin1');
  return body;
}

const paths = {} as Record<string, string>;
let home: string;
let extra: string;
let hfHome: string;

beforeAll(async () => {
  tmp = await realpath(await mkdtemp(join(tmpdir(), 'rightsize-discovery-')));
  home = join(tmp, 'home');
  extra = join(tmp, 'extra');
  hfHome = join(tmp, 'hf-home');

  // LM Studio: ~/.lmstudio/models/<publisher>/<repo>/*.gguf, a projector beside the model, the legacy
  // ~/.cache/lm-studio/models, and a custom downloadsFolder recorded in settings.json.
  const lms = join(home, '.lmstudio', 'models');
  paths.lmsLlama = await ggufFile(
    join(lms, 'lmstudio-community', 'Meta-Llama-3.1-8B-Instruct-GGUF', 'Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf'),
    4096,
  );
  await ggufFile(join(lms, 'lmstudio-community', 'Meta-Llama-3.1-8B-Instruct-GGUF', 'mmproj-model-f16.gguf'), 512);
  await mkdir(join(lms, 'bartowski', 'stories-GGUF'), { recursive: true });
  paths.lmsStories = join(lms, 'bartowski', 'stories-GGUF', 'stories260K.gguf');
  await copyFile(STORIES, paths.lmsStories);
  await utimes(paths.lmsStories, WHEN, WHEN);
  paths.lmsLegacy = await ggufFile(join(home, '.cache', 'lm-studio', 'models', 'TheBloke', 'Old-GGUF', 'old.Q4_0.gguf'), 1000);
  const custom = join(tmp, 'lmstudio-downloads');
  await textFile(join(home, '.lmstudio', 'settings.json'), JSON.stringify({ downloadsFolder: custom, theme: 'dark' }));
  paths.lmsCustom = await ggufFile(join(custom, 'Qwen', 'Qwen2.5-0.5B-Instruct-GGUF', 'qwen2.5-0.5b-instruct-q8_0.gguf'), 2000);

  // Ollama: manifests/<host>/<namespace>/<model>/<tag> pointing at blobs/sha256-<hex>.
  const ollama = join(home, '.ollama', 'models');
  const llamaBlob = gguf(3000);
  paths.ollamaLlama = await ollamaModel(ollama, 'registry.ollama.ai', 'library', 'llama3.1', '8b', llamaBlob);
  await ollamaModel(ollama, 'registry.ollama.ai', 'library', 'llama3.1', 'latest', llamaBlob);
  paths.ollamaUser = await ollamaModel(ollama, 'registry.ollama.ai', 'someuser', 'tiny-chat', 'v1', gguf(3001));
  paths.ollamaHf = await ollamaModel(ollama, 'hf.co', 'bartowski', 'Llama-3.2-1B-Instruct-GGUF', 'Q4_K_M', gguf(3002));
  // A layer that is not a GGUF (e.g. a safetensors import) and a corrupt manifest: skipped, noted.
  await ollamaModel(ollama, 'registry.ollama.ai', 'library', 'not-gguf', 'latest', Buffer.from('PK\u0003\u0004 not a gguf'));
  await textFile(join(ollama, 'manifests', 'registry.ollama.ai', 'library', 'broken', 'latest'), '{ not json');

  // Hugging Face cache via HF_HOME: snapshots are relative symlinks into blobs; two revisions share a blob.
  const repo = join(hfHome, 'hub', 'models--bartowski--Llama-3.2-1B-Instruct-GGUF');
  const blobBody = gguf(5000);
  paths.hfBlob = join(repo, 'blobs', sha256(blobBody));
  await mkdir(join(repo, 'blobs'), { recursive: true });
  await writeFile(paths.hfBlob, blobBody);
  await utimes(paths.hfBlob, WHEN, WHEN);
  for (const rev of ['0123456789abcdef0123456789abcdef01234567', 'fedcba9876543210fedcba9876543210fedcba98']) {
    await mkdir(join(repo, 'snapshots', rev), { recursive: true });
    await symlink(join('..', '..', 'blobs', sha256(blobBody)), join(repo, 'snapshots', rev, 'Llama-3.2-1B-Instruct-Q4_K_M.gguf'));
  }
  // A split model in a subfolder of a snapshot, parts stored as blobs.
  const rev = '0123456789abcdef0123456789abcdef01234567';
  await mkdir(join(repo, 'snapshots', rev, 'Q8_0'), { recursive: true });
  for (const [i, size] of [
    [1, 700],
    [2, 600],
  ] as const) {
    const body = gguf(size);
    await writeFile(join(repo, 'blobs', sha256(body)), body);
    await utimes(join(repo, 'blobs', sha256(body)), WHEN, WHEN);
    await symlink(
      join('..', '..', '..', 'blobs', sha256(body)),
      join(repo, 'snapshots', rev, 'Q8_0', `Llama-3.2-1B-Instruct-Q8_0-0000${i}-of-00002.gguf`),
    );
    if (i === 1) paths.hfSplitFirst = join(repo, 'blobs', sha256(body));
  }
  await ggufFile(join(hfHome, 'hub', 'datasets--someone--data', 'snapshots', rev, 'ignored.gguf'), 100);

  // llama.cpp's own cache on macOS (-hf downloads of builds before the Hugging Face layout): flat files.
  paths.llamaCache = await ggufFile(
    join(home, 'Library', 'Caches', 'llama.cpp', 'bartowski_Qwen2.5-7B-Instruct-GGUF_Qwen2.5-7B-Instruct-Q4_K_M.gguf'),
    1700,
  );
  await textFile(
    join(home, 'Library', 'Caches', 'llama.cpp', 'bartowski_Qwen2.5-7B-Instruct-GGUF_Qwen2.5-7B-Instruct-Q4_K_M.gguf.json'),
    '{}',
  );

  // node-llama-cpp's models folder.
  paths.nlc = await ggufFile(join(home, '.node-llama-cpp', 'models', 'hf_bartowski_Qwen2.5-0.5B-Instruct.Q4_K_M.gguf'), 1500);

  // An extra folder: nested files, a split model, a fake .gguf, a symlink loop, a dangling link.
  paths.nested = await ggufFile(join(extra, 'a', 'b', 'c', 'nested-model.gguf'), 800);
  paths.split1 = await ggufFile(join(extra, 'big', 'Big-Model-Q4_K_M-00001-of-00003.gguf'), 1100);
  await ggufFile(join(extra, 'big', 'Big-Model-Q4_K_M-00002-of-00003.gguf'), 1200);
  await ggufFile(join(extra, 'big', 'Big-Model-Q4_K_M-00003-of-00003.gguf'), 1300);
  await textFile(join(extra, 'fake.gguf'), 'this is not a model');
  await textFile(join(extra, 'notes.txt'), 'not a candidate');
  await symlink(extra, join(extra, 'a', 'loop'));
  await symlink(join(extra, 'gone.gguf'), join(extra, 'dangling.gguf'));
  // Too deep: seven folders down.
  await ggufFile(join(extra, '1', '2', '3', '4', '5', '6', '7', 'too-deep.gguf'), 100);
  // The same file as the LM Studio one, through a link: reported once, under LM Studio.
  await symlink(paths.lmsLlama, join(extra, 'llama-link.gguf'));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function envFor(extraEnv: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HF_HOME: hfHome, ...extraEnv };
}

describe('discoverModels', () => {
  let result: DiscoveryResult;
  beforeAll(async () => {
    result = await discoverModels({ home, env: envFor(), platform: 'darwin', extraFolders: [extra], timeoutMs: 20_000 });
  });

  it('finds every model with its exact size, name and origin', () => {
    const modifiedAt = WHEN.toISOString();
    const expected: DiscoveredModel[] = [
      {
        source: 'lm-studio',
        displayName: 'Meta-Llama-3.1-8B-Instruct-Q4_K_M',
        path: paths.lmsLlama!,
        bytes: 4096,
        modifiedAt,
        lmStudioRepo: 'lmstudio-community/Meta-Llama-3.1-8B-Instruct-GGUF',
        // The projector in the same folder goes with the model (llama.cpp's --mmproj).
        mmproj: { path: join(dirname(paths.lmsLlama!), 'mmproj-model-f16.gguf'), bytes: 512 },
      },
      { source: 'lm-studio', displayName: 'old.Q4_0', path: paths.lmsLegacy!, bytes: 1000, modifiedAt, lmStudioRepo: 'TheBloke/Old-GGUF' },
      {
        source: 'lm-studio',
        displayName: 'qwen2.5-0.5b-instruct-q8_0',
        path: paths.lmsCustom!,
        bytes: 2000,
        modifiedAt,
        lmStudioRepo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
      },
      {
        source: 'lm-studio',
        displayName: 'stories260K',
        path: paths.lmsStories!,
        bytes: STORIES_BYTES,
        modifiedAt,
        lmStudioRepo: 'bartowski/stories-GGUF',
      },
      {
        source: 'ollama',
        displayName: 'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
        ollamaName: 'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
        hfRepo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
        path: paths.ollamaHf!,
        bytes: 3002,
        modifiedAt,
      },
      { source: 'ollama', displayName: 'llama3.1:8b', ollamaName: 'llama3.1:8b', path: paths.ollamaLlama!, bytes: 3000, modifiedAt },
      {
        source: 'ollama',
        displayName: 'someuser/tiny-chat:v1',
        ollamaName: 'someuser/tiny-chat:v1',
        path: paths.ollamaUser!,
        bytes: 3001,
        modifiedAt,
      },
      {
        source: 'huggingface',
        displayName: 'Llama-3.2-1B-Instruct-Q4_K_M',
        hfRepo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
        path: paths.hfBlob!,
        bytes: 5000,
        modifiedAt,
      },
      {
        source: 'huggingface',
        displayName: 'Llama-3.2-1B-Instruct-Q8_0',
        hfRepo: 'bartowski/Llama-3.2-1B-Instruct-GGUF',
        path: paths.hfSplitFirst!,
        bytes: 1300,
        modifiedAt,
        shardOf: { index: 1, total: 2 },
      },
      {
        source: 'llama-cpp',
        displayName: 'bartowski_Qwen2.5-7B-Instruct-GGUF_Qwen2.5-7B-Instruct-Q4_K_M',
        path: paths.llamaCache!,
        bytes: 1700,
        modifiedAt,
      },
      { source: 'node-llama-cpp', displayName: 'hf_bartowski_Qwen2.5-0.5B-Instruct.Q4_K_M', path: paths.nlc!, bytes: 1500, modifiedAt },
      { source: 'folder', displayName: 'Big-Model-Q4_K_M', path: paths.split1!, bytes: 3600, modifiedAt, shardOf: { index: 1, total: 3 } },
      { source: 'folder', displayName: 'nested-model', path: paths.nested!, bytes: 800, modifiedAt },
    ];
    expect(result.models).toEqual(expected);
  });

  it('lists every location it searched, with notes on what it skipped', () => {
    const byPath = new Map(result.searched.map((s) => [s.path, s]));
    expect(result.searched.map((s) => [s.source, s.path, s.status])).toEqual([
      ['lm-studio', join(home, '.lmstudio', 'models'), 'ok'],
      ['lm-studio', join(home, '.cache', 'lm-studio', 'models'), 'ok'],
      ['lm-studio', join(tmp, 'lmstudio-downloads'), 'ok'],
      ['ollama', join(home, '.ollama', 'models'), 'ok'],
      ['huggingface', join(hfHome, 'hub'), 'ok'],
      ['llama-cpp', join(home, 'Library', 'Caches', 'llama.cpp'), 'ok'],
      ['node-llama-cpp', join(home, '.node-llama-cpp', 'models'), 'ok'],
      ['folder', extra, 'ok'],
    ]);
    expect(byPath.get(join(home, '.lmstudio', 'models'))?.detail).toBe('1 vision projector (mmproj) file skipped');
    expect(byPath.get(join(home, '.ollama', 'models'))?.detail).toBe(
      '1 manifest could not be parsed; 1 .gguf file is not GGUF (no "GGUF" magic), skipped',
    );
    expect(byPath.get(extra)?.detail).toBe('1 .gguf file is not GGUF (no "GGUF" magic), skipped');
  });

  it('reports missing folders as missing, and finds nothing in an empty home', async () => {
    const empty = join(tmp, 'empty-home');
    await mkdir(empty, { recursive: true });
    const res = await discoverModels({ home: empty, env: {}, platform: 'darwin', extraFolders: [join(tmp, 'no-such-folder')] });
    expect(res.models).toEqual([]);
    expect(res.searched).toEqual([
      { source: 'lm-studio', path: join(empty, '.lmstudio', 'models'), status: 'missing' },
      { source: 'lm-studio', path: join(empty, '.cache', 'lm-studio', 'models'), status: 'missing' },
      { source: 'ollama', path: join(empty, '.ollama', 'models'), status: 'missing' },
      { source: 'huggingface', path: join(empty, '.cache', 'huggingface', 'hub'), status: 'missing' },
      { source: 'llama-cpp', path: join(empty, 'Library', 'Caches', 'llama.cpp'), status: 'missing' },
      { source: 'node-llama-cpp', path: join(empty, '.node-llama-cpp', 'models'), status: 'missing' },
      { source: 'folder', path: join(tmp, 'no-such-folder'), status: 'missing' },
    ]);
  });

  it('honours OLLAMA_MODELS, HF_HUB_CACHE over HF_HOME, and the LM Studio home pointer', async () => {
    const other = join(tmp, 'other-home');
    const ollamaDir = join(tmp, 'ollama-elsewhere');
    const blob = await ollamaModel(ollamaDir, 'registry.ollama.ai', 'library', 'qwen2.5', '0.5b', gguf(2222));
    const hubCache = join(tmp, 'hub-cache');
    await mkdir(hubCache, { recursive: true });
    const lmsHome = join(tmp, 'lms-moved');
    const moved = await ggufFile(join(lmsHome, 'models', 'pub', 'repo', 'moved.gguf'), 321);
    await textFile(join(other, '.lmstudio-home-pointer'), `${lmsHome}\n`);
    const res = await discoverModels({
      home: other,
      env: { OLLAMA_MODELS: `"${ollamaDir}"`, HF_HOME: hfHome, HF_HUB_CACHE: hubCache },
      platform: 'darwin',
    });
    expect(res.models.map((m) => [m.source, m.displayName, m.path, m.bytes])).toEqual([
      ['lm-studio', 'moved', moved, 321],
      ['ollama', 'qwen2.5:0.5b', blob, 2222],
    ]);
    expect(res.searched.find((s) => s.source === 'huggingface')).toEqual({ source: 'huggingface', path: hubCache, status: 'ok' });
    expect(res.searched.filter((s) => s.source === 'ollama').map((s) => [s.path, s.status])).toEqual([
      [ollamaDir, 'ok'],
      [join(other, '.ollama', 'models'), 'missing'],
    ]);
  });

  it('also looks where the Linux service install keeps Ollama models', async () => {
    const res = await discoverModels({ home: join(tmp, 'empty-home'), env: {}, platform: 'linux', timeoutMs: 20_000 });
    expect(res.searched.filter((s) => s.source === 'ollama').map((s) => s.path)).toEqual([
      join(tmp, 'empty-home', '.ollama', 'models'),
      '/usr/share/ollama/.ollama/models',
    ]);
  });

  it('reports a folder that is a file, or cannot be read, as an error and keeps going', async () => {
    const file = await textFile(join(tmp, 'a-file'), 'x');
    const res = await discoverModels({ home: join(tmp, 'empty-home'), env: {}, platform: 'darwin', extraFolders: [file, extra] });
    expect(res.searched.find((s) => s.path === file)).toEqual({ source: 'folder', path: file, status: 'error', detail: 'not a folder' });
    // Without LM Studio in this home, the linked file is listed under the folder, by the link's name.
    expect(res.models.map((m) => [m.displayName, m.path])).toEqual([
      ['Big-Model-Q4_K_M', paths.split1],
      ['llama-link', paths.lmsLlama],
      ['nested-model', paths.nested],
    ]);
  });

  it.skipIf(isRoot)('does not throw on folders it may not read', async () => {
    const locked = join(tmp, 'locked');
    const inner = join(tmp, 'partly-locked', 'inner');
    await ggufFile(join(locked, 'secret.gguf'), 100);
    await ggufFile(join(inner, 'hidden.gguf'), 100);
    const visible = await ggufFile(join(tmp, 'partly-locked', 'visible.gguf'), 100);
    await chmod(locked, 0o000);
    await chmod(inner, 0o000);
    try {
      const res = await discoverModels({
        home: join(tmp, 'empty-home'),
        env: {},
        platform: 'darwin',
        extraFolders: [locked, join(tmp, 'partly-locked')],
      });
      expect(res.searched.find((s) => s.path === locked)).toMatchObject({
        status: 'error',
        detail: expect.stringMatching(/EACCES|permission/i),
      });
      expect(res.searched.find((s) => s.path === join(tmp, 'partly-locked'))).toMatchObject({
        status: 'ok',
        detail: expect.stringContaining('could not read 1 item'),
      });
      expect(res.models.map((m) => m.path)).toEqual([visible]);
    } finally {
      await chmod(locked, 0o755);
      await chmod(inner, 0o755);
    }
  });

  it('stops at maxFiles and says so', async () => {
    const res = await discoverModels({ home, env: envFor(), platform: 'darwin', extraFolders: [extra], maxFiles: 2 });
    expect(res.models.map((m) => m.displayName)).toEqual(['Meta-Llama-3.1-8B-Instruct-Q4_K_M', 'stories260K']);
    expect(res.searched[1]).toEqual({
      source: 'lm-studio',
      path: join(home, '.cache', 'lm-studio', 'models'),
      status: 'ok',
      detail: 'stopped early: the limit of 2 files was reached',
    });
    expect(res.searched.at(-1)).toEqual({
      source: 'folder',
      path: extra,
      status: 'error',
      detail: 'not searched: the limit of 2 files was reached',
    });
  });

  it('returns within its time limit', async () => {
    const started = Date.now();
    const res = await discoverModels({ home, env: envFor(), platform: 'darwin', extraFolders: [extra], timeoutMs: 0 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.searched.some((s) => /time limit/.test(s.detail ?? ''))).toBe(true);
  });
});

describe('source helpers', () => {
  it('names Ollama models the way `ollama list` does', () => {
    expect(ollamaDisplayName('registry.ollama.ai', 'library', 'llama3.1', '8b')).toBe('llama3.1:8b');
    expect(ollamaDisplayName('registry.ollama.ai', 'someuser', 'tiny-chat', 'v1')).toBe('someuser/tiny-chat:v1');
    expect(ollamaDisplayName('hf.co', 'bartowski', 'Llama-3.2-1B-Instruct-GGUF', 'Q4_K_M')).toBe(
      'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M',
    );
  });

  it('takes the model layer digest from an Ollama manifest, in either spelling', () => {
    const hex = 'a'.repeat(64);
    expect(
      ollamaModelDigest({
        layers: [
          { mediaType: 'application/vnd.ollama.image.template', digest: `sha256:${'b'.repeat(64)}` },
          { mediaType: OLLAMA_MODEL_MEDIA_TYPE, digest: `sha256-${hex.toUpperCase()}` },
        ],
      }),
    ).toBe(hex);
    expect(ollamaModelDigest({ layers: [{ mediaType: OLLAMA_MODEL_MEDIA_TYPE, digest: 'sha256:short' }] })).toBeNull();
    expect(ollamaModelDigest('{ not json')).toBeNull();
  });

  it('finds the Hugging Face cache as huggingface_hub does', () => {
    const home = '/home/someone';
    expect(huggingFaceCacheDir(home, {})).toBe(join(home, '.cache', 'huggingface', 'hub'));
    expect(huggingFaceCacheDir(home, { XDG_CACHE_HOME: '/xdg' })).toBe(join('/xdg', 'huggingface', 'hub'));
    expect(huggingFaceCacheDir(home, { HF_HOME: '~/hf', XDG_CACHE_HOME: '/xdg' })).toBe(join(home, 'hf', 'hub'));
    expect(huggingFaceCacheDir(home, { HF_HUB_CACHE: ' "/hub" ', HF_HOME: '/hf' })).toBe('/hub');
  });

  it("finds llama.cpp's own cache as llama.cpp does: LLAMA_CACHE, else the platform's cache folder", () => {
    const home = '/home/someone';
    expect(llamaCppCacheDir(home, {}, 'linux')).toBe(join(home, '.cache', 'llama.cpp'));
    expect(llamaCppCacheDir(home, { XDG_CACHE_HOME: '/xdg' }, 'linux')).toBe(join('/xdg', 'llama.cpp'));
    expect(llamaCppCacheDir(home, {}, 'darwin')).toBe(join(home, 'Library', 'Caches', 'llama.cpp'));
    expect(llamaCppCacheDir(home, { LOCALAPPDATA: '/local' }, 'win32')).toBe(join('/local', 'llama.cpp'));
    expect(llamaCppCacheDir(home, { LLAMA_CACHE: '~/models', XDG_CACHE_HOME: '/xdg' }, 'linux')).toBe(join(home, 'models'));
  });

  it('reads a custom models folder from LM Studio settings', () => {
    const home = '/home/someone';
    expect(modelsFolderFromLmStudioSettings({ downloadsFolder: '~/lms', modelsDir: '/other' }, home)).toBe(join(home, 'lms'));
    expect(modelsFolderFromLmStudioSettings({ modelsDirectory: '/models' }, home)).toBe('/models');
    expect(modelsFolderFromLmStudioSettings({ downloadsFolder: 'relative/path', theme: '/not-a-folder-key' }, home)).toBeUndefined();
    expect(modelsFolderFromLmStudioSettings(['/models'], home)).toBeUndefined();
  });
});

describe('rightsize models', () => {
  function capture(isTTY = false): {
    io: { stdout(t: string): void; stderr(t: string): void; isTTY: boolean };
    out: () => string;
    err: () => string;
  } {
    let out = '';
    let err = '';
    return { io: { stdout: (t) => (out += t), stderr: (t) => (err += t), isTTY }, out: () => out, err: () => err };
  }

  it('--json prints { models, searched } alone on stdout', async () => {
    const { io, out, err } = capture();
    const code = await runModels(['--json', '--folder', extra], io, { home, env: envFor(), platform: 'darwin', timeoutMs: 20_000 });
    expect(code).toBe(0);
    expect(err()).toBe('');
    const parsed = JSON.parse(out()) as DiscoveryResult;
    expect(Object.keys(parsed)).toEqual(['models', 'searched']);
    const direct = await discoverModels({ home, env: envFor(), platform: 'darwin', extraFolders: [extra], timeoutMs: 20_000 });
    expect(parsed).toEqual(direct);
    expect(parsed.models.find((m) => m.ollamaName === 'llama3.1:8b')?.bytes).toBe(3000);
  });

  it('prints a table and where it looked', async () => {
    const { io, out } = capture();
    await runModels(['--folder', extra, '--no-color'], io, { home, env: envFor(), platform: 'darwin', timeoutMs: 20_000 });
    const text = out();
    expect(text).toContain('GGUF models on this machine (13)');
    expect(text).toContain('llama3.1:8b');
    expect(text).toContain('bartowski/Llama-3.2-1B-Instruct-GGUF');
    expect(text).toContain('1.13 MiB');
    expect(text).toContain('(3 parts)');
    expect(text).toMatch(/ok\s+folder\s+\S*extra/);
    expect(text).not.toContain('\u001b[');
  });

  it('says how to add a folder when it finds nothing', async () => {
    const { io, out } = capture();
    await runModels([], io, { home: join(tmp, 'empty-home'), env: {}, platform: 'darwin' });
    expect(out()).toContain('No GGUF models found');
    expect(out()).toMatch(/missing\s+ollama/);
  });

  it("rejects unknown flags with a pointer to the command's help", async () => {
    const { io, err } = capture();
    await expect(runModels(['--bogus'], io)).resolves.toBe(2);
    expect(err()).toMatch(/Unknown option '--bogus'[\s\S]*rightsize models --help/);
  });
});
