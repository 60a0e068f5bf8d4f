// Ollama keeps manifests/<host>/<namespace>/<model>/<tag> (JSON) pointing at content-addressed
// blobs; the layer of the model's weights is the GGUF.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { envPath } from './paths';
import type { LocationReport, ModelSource, SearchContext } from './search-state';
import { addCandidate, errorMessage, isMissing, readSmallJson, takeFile, walkFiles } from './walk';

/** Ollama's layer media type for the model weights (the GGUF). */
export const OLLAMA_MODEL_MEDIA_TYPE = 'application/vnd.ollama.image.model';
/** The layer of a vision model's projector (what llama.cpp loads with --mmproj). */
const OLLAMA_PROJECTOR_MEDIA_TYPE = 'application/vnd.ollama.image.projector';
const OLLAMA_DEFAULT_REGISTRY = 'registry.ollama.ai';
const OLLAMA_DEFAULT_NAMESPACE = 'library';
/** Where the official Linux install script runs Ollama as the `ollama` user. */
const OLLAMA_LINUX_SERVICE_MODELS = '/usr/share/ollama/.ollama/models';
/** host, namespace and model are folders; the tag is the manifest file. */
const MANIFEST_PATH_PARTS = 4;

type ManifestPath = [host: string, namespace: string, model: string, tag: string];

/** Manifests skipped for each reason, reported as notes. */
interface SkippedManifests {
  unparsable: number;
  withoutModel: number;
  missingBlob: number;
}

/** "llama3.1:8b" for the library, "user/model:tag" on the default registry, "host/ns/model:tag" elsewhere. */
export function ollamaDisplayName(host: string, namespace: string, model: string, tag: string): string {
  if (host === OLLAMA_DEFAULT_REGISTRY && namespace === OLLAMA_DEFAULT_NAMESPACE) return `${model}:${tag}`;
  if (host === OLLAMA_DEFAULT_REGISTRY) return `${namespace}/${model}:${tag}`;
  return `${host}/${namespace}/${model}:${tag}`;
}

/** The digest of the manifest's model layer (or of another layer type), or null when it has none. */
export function ollamaModelDigest(manifest: unknown, layerType: string = OLLAMA_MODEL_MEDIA_TYPE): string | null {
  if (!manifest || typeof manifest !== 'object') return null;
  const layers = (manifest as { layers?: unknown }).layers;
  if (!Array.isArray(layers)) return null;
  for (const layer of layers) {
    if (!layer || typeof layer !== 'object') continue;
    const { mediaType, digest } = layer as { mediaType?: unknown; digest?: unknown };
    if (mediaType !== layerType || typeof digest !== 'string') continue;
    const match = /^sha256[:-]([0-9a-f]{64})$/i.exec(digest);
    if (match?.[1]) return match[1].toLowerCase();
  }
  return null;
}

/** Models pulled with `ollama pull hf.co/<user>/<repo>:<quant>` keep their Hugging Face repository. */
function ollamaHfRepo(host: string, namespace: string, model: string): { hfRepo?: string } {
  return host === 'hf.co' || host === 'huggingface.co' ? { hfRepo: `${namespace}/${model}` } : {};
}

function ollamaRoots(ctx: SearchContext): string[] {
  const roots: string[] = [];
  const fromEnv = envPath(ctx.env, 'OLLAMA_MODELS', ctx.home);
  if (fromEnv) roots.push(fromEnv);
  // The server may run with a different environment than this process, so the default is searched too.
  roots.push(path.join(ctx.home, '.ollama', 'models'));
  if (ctx.platform === 'linux') roots.push(OLLAMA_LINUX_SERVICE_MODELS);
  return roots;
}

/** True when the manifests folder can be read; a missing one is a note, an unreadable one an error. */
async function checkManifestsFolder(report: LocationReport, manifestsDir: string): Promise<boolean> {
  try {
    await fs.readdir(manifestsDir);
    return true;
  } catch (error) {
    if (isMissing(error)) report.notes.push('no manifests folder');
    else report.fail(errorMessage(error));
    return false;
  }
}

/** Blobs are named sha256-<hex>; very old versions used sha256:<hex> where the file system allows it. */
async function existingBlob(blobsDir: string, digest: string): Promise<string | null> {
  for (const name of [`sha256-${digest}`, `sha256:${digest}`]) {
    const blob = path.join(blobsDir, name);
    try {
      await fs.access(blob);
      return blob;
    } catch {
      // Try the other spelling.
    }
  }
  return null;
}

/**
 * The blob holding a manifest's model layer, or null (counted in `skipped`) when there is none, and
 * its projector's blob where the manifest has one (vision models: gemma3, llava, qwen2.5vl...).
 */
async function modelBlobOf(
  manifestFile: string,
  blobsDir: string,
  skipped: SkippedManifests,
): Promise<{ model: string; projector: { path: string; bytes: number } | null } | null> {
  let manifest: unknown;
  try {
    manifest = await readSmallJson(manifestFile);
  } catch {
    skipped.unparsable += 1;
    return null;
  }
  const digest = ollamaModelDigest(manifest);
  if (!digest) {
    skipped.withoutModel += 1;
    return null;
  }
  const blob = await existingBlob(blobsDir, digest);
  if (!blob) {
    skipped.missingBlob += 1;
    return null;
  }
  const projectorDigest = ollamaModelDigest(manifest, OLLAMA_PROJECTOR_MEDIA_TYPE);
  const projectorBlob = projectorDigest ? await existingBlob(blobsDir, projectorDigest) : null;
  let projector: { path: string; bytes: number } | null = null;
  if (projectorBlob) {
    try {
      projector = { path: projectorBlob, bytes: (await fs.stat(projectorBlob)).size };
    } catch {
      // A projector blob that cannot be read pairs with nothing; the model is listed without it.
    }
  }
  return { model: blob, projector };
}

function noteSkipped(report: LocationReport, { unparsable, withoutModel, missingBlob }: SkippedManifests): void {
  if (unparsable) report.notes.push(`${unparsable} manifest${unparsable === 1 ? '' : 's'} could not be parsed`);
  if (withoutModel) report.notes.push(`${withoutModel} manifest${withoutModel === 1 ? ' has' : 's have'} no model layer`);
  if (missingBlob) report.notes.push(`${missingBlob} model blob${missingBlob === 1 ? ' is' : 's are'} missing`);
}

async function searchOllamaRoot(ctx: SearchContext, report: LocationReport): Promise<void> {
  const manifestsDir = path.join(report.path, 'manifests');
  const blobsDir = path.join(report.path, 'blobs');
  if (!(await checkManifestsFolder(report, manifestsDir))) return;
  const skipped: SkippedManifests = { unparsable: 0, withoutModel: 0, missingBlob: 0 };
  const limits = { maxDepth: MANIFEST_PATH_PARTS - 1, onceByRealPath: false };
  await walkFiles(ctx, report, manifestsDir, limits, async (manifestFile, relParts) => {
    if (relParts.length !== MANIFEST_PATH_PARTS || !takeFile(ctx, report)) return;
    const blobs = await modelBlobOf(manifestFile, blobsDir, skipped);
    if (!blobs) return;
    const [host, namespace, model, tag] = relParts as ManifestPath;
    await addCandidate(ctx, report, blobs.model, {
      ollamaName: ollamaDisplayName(host, namespace, model, tag),
      ...ollamaHfRepo(host, namespace, model),
      ...(blobs.projector ? { mmproj: blobs.projector } : {}),
    });
  });
  noteSkipped(report, skipped);
}

export const ollamaSource: ModelSource = { source: 'ollama', roots: ollamaRoots, searchRoot: searchOllamaRoot };
