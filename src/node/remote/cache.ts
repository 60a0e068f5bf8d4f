// Headers of remote GGUF files kept on disk, keyed by URL and checked by ETag: sizing the same URL
// again costs one small range request (or none offline). The parsed header is stored, not the sized
// model, so a newer rightsize sizes a cached file with its own engine. A damaged or foreign cache
// file is ignored and rewritten.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { GgufHeader, GgufValue } from '../../core/gguf-types';
import { defaultCacheDir } from '../hardware/cache';

const SCHEMA = 1;
const FOLDER = 'remote-gguf';

export interface RemotePart {
  readonly url: string;
  readonly etag: string | null;
  readonly size: number;
}

/** What `listCachedRemoteModels` shows of one cached file. */
interface CachedRemoteModel {
  /** The URL sized (for a split model, its first part). */
  readonly url: string;
  readonly parts: readonly RemotePart[];
  readonly fileBytes: number;
  readonly name: string | null;
  readonly architecture: string | null;
  /** general.file_type as a number, when the file has one. */
  readonly fileType: number | null;
  readonly savedAt: string;
}

// GGUF values as JSON: bigints tagged, arrays with their length and whether they were cut short.
type JsonValue = number | boolean | string | { big: string } | { itemType: number; length: number; truncated: boolean; items: JsonValue[] };
const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.number(),
    z.boolean(),
    z.string(),
    z.object({ big: z.string().regex(/^-?\d+$/) }),
    z.object({
      itemType: z.number().int(),
      length: z.number().int().nonnegative(),
      truncated: z.boolean(),
      items: z.array(JsonValueSchema),
    }),
  ]),
);

const PartSchema = z.object({ url: z.string(), etag: z.string().nullable(), size: z.number().int().nonnegative() });
const CacheFileSchema = z.object({
  schema: z.literal(SCHEMA),
  url: z.string(),
  savedAt: z.string(),
  parts: z.array(PartSchema).min(1),
  header: z.object({
    version: z.union([z.literal(2), z.literal(3)]),
    alignment: z.number().int().positive(),
    dataOffset: z.number().int().nonnegative(),
    headerBytes: z.number().int().nonnegative(),
    metadata: z.array(z.tuple([z.string(), JsonValueSchema])),
    tensors: z.array(
      z.object({
        name: z.string(),
        dims: z.array(z.number().int().nonnegative()),
        typeId: z.number().int().nonnegative(),
        typeName: z.string(),
        offset: z.string().regex(/^\d+$/),
        bytes: z.number().nonnegative(),
      }),
    ),
  }),
});
type CacheFile = z.infer<typeof CacheFileSchema>;

function toJson(value: GgufValue): JsonValue {
  if (typeof value === 'bigint') return { big: value.toString() };
  if (typeof value === 'object')
    return { itemType: value.itemType, length: value.length, truncated: value.truncated, items: value.items.map(toJson) };
  return value;
}

function fromJson(value: JsonValue): GgufValue {
  if (typeof value !== 'object') return value;
  if ('big' in value) return BigInt(value.big);
  return { itemType: value.itemType, length: value.length, truncated: value.truncated, items: value.items.map(fromJson) };
}

function headerFromFile(header: CacheFile['header']): GgufHeader {
  return {
    version: header.version,
    alignment: header.alignment,
    dataOffset: header.dataOffset,
    headerBytes: header.headerBytes,
    metadata: new Map(header.metadata.map(([key, value]) => [key, fromJson(value)])),
    // Spans locate values in one file's bytes; a cached header has no bytes to copy from.
    metadataSpans: new Map(),
    tensors: header.tensors.map((t) => ({ ...t, offset: BigInt(t.offset) })),
  };
}

export function remoteCacheFolder(cacheDir: string): string {
  return path.join(cacheDir, FOLDER);
}

function cacheFile(cacheDir: string, url: string): string {
  return path.join(remoteCacheFolder(cacheDir), `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.json`);
}

async function readFileEntry(file: string): Promise<CacheFile | null> {
  try {
    const parsed = CacheFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The cached header of `url` and the parts it was read from, or null (none, damaged, or for another URL). */
export async function readCachedHeader(
  cacheDir: string,
  url: string,
): Promise<{ header: GgufHeader; parts: RemotePart[]; savedAt: string } | null> {
  const entry = await readFileEntry(cacheFile(cacheDir, url));
  if (!entry || entry.url !== url) return null;
  return { header: headerFromFile(entry.header), parts: entry.parts, savedAt: entry.savedAt };
}

/** Saves atomically (temp file, then rename); a cache that cannot be written is not an error. */
export async function writeCachedHeader(cacheDir: string, url: string, parts: readonly RemotePart[], header: GgufHeader): Promise<boolean> {
  const body: CacheFile = {
    schema: SCHEMA,
    url,
    savedAt: new Date().toISOString(),
    parts: [...parts],
    header: {
      version: header.version,
      alignment: header.alignment,
      dataOffset: header.dataOffset,
      headerBytes: header.headerBytes,
      metadata: [...header.metadata].map(([key, value]) => [key, toJson(value)]),
      tensors: header.tensors.map((t) => ({
        name: t.name,
        dims: [...t.dims],
        typeId: t.typeId,
        typeName: t.typeName,
        offset: t.offset.toString(),
        bytes: t.bytes,
      })),
    },
  };
  try {
    const file = cacheFile(cacheDir, url);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, JSON.stringify(body));
    await rename(temp, file);
    return true;
  } catch {
    return false;
  }
}

function metadataOf(entry: CacheFile, key: string): JsonValue | undefined {
  return entry.header.metadata.find(([k]) => k === key)?.[1];
}

/** Every remote model whose header is cached, newest first (damaged files are skipped). */
export async function listCachedRemoteModels(cacheDir: string = defaultCacheDir()): Promise<CachedRemoteModel[]> {
  let names: string[];
  try {
    names = await readdir(remoteCacheFolder(cacheDir));
  } catch {
    return [];
  }
  const models: CachedRemoteModel[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const entry = await readFileEntry(path.join(remoteCacheFolder(cacheDir), name));
    if (!entry) continue;
    const text = (key: string): string | null => {
      const v = metadataOf(entry, key);
      return typeof v === 'string' ? v : null;
    };
    const fileType = metadataOf(entry, 'general.file_type');
    models.push({
      url: entry.url,
      parts: entry.parts,
      fileBytes: entry.parts.reduce((sum, p) => sum + p.size, 0),
      name: text('general.name'),
      architecture: text('general.architecture'),
      fileType: typeof fileType === 'number' ? fileType : null,
      savedAt: entry.savedAt,
    });
  }
  return models.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}
