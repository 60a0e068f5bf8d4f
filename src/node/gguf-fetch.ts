// Where a catalog model's GGUF file at one precision can be fetched by name (resources/catalog/gguf-sources.json):
// llama.cpp's -hf value and what Ollama pulls. "How to run it" and the ladder's rungs both ask here.
import type { Precision } from '../shared/precision';
import type { GgufSource } from '../shared/schema';
import { HF_MAX_FILE_BYTES } from '../core/run-command-parts';
import { loadGgufSources } from './resources';

export interface GgufFetch {
  source: GgufSource;
  /** llama.cpp's and node-llama-cpp's REPO:QUANT. */
  hf: string;
  /** What Ollama pulls: its library's tag, else hf.co/REPO:QUANT; null where the file comes in parts (ollama/ollama#5245). */
  ollama: string | null;
  /** Past Hugging Face's 50 GB per file: the repository holds this precision in parts. */
  sharded: boolean;
}

/** The repository holding this catalog model at this precision, or null where none is known. */
export function ggufFetchFor(modelId: string, quant: string, weightsBytes: number): GgufFetch | null {
  const source = loadGgufSources().find((s) => s.model === modelId && (s.quants as readonly string[]).includes(quant));
  if (!source) return null;
  const sharded = weightsBytes > HF_MAX_FILE_BYTES;
  const library = source.ollama?.[quant as Precision];
  return {
    source,
    hf: `${source.repo}:${quant}`,
    ollama: library ?? (sharded ? null : `hf.co/${source.repo}:${quant}`),
    sharded,
  };
}
