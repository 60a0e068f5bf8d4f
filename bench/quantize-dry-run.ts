// Weight sizes checked against llama.cpp's own quantizer. `llama-quantize --dry-run` (built once from the llama.cpp
// source node-llama-cpp ships, into .cache/) prints the type and size it would give each tensor of a file without
// writing one. For each catalog model a sparse F16 file of its shape is written (no disk cost) and quantized dry to
// each precision; the total and every tensor's type are compared with rightsize's per-tensor types
// (src/core/quantize.ts), which size every catalog model before download.
// Usage: npx tsx bench/quantize-dry-run.ts [--only id,id] [--precisions Q4_K_M,Q8_0] [--out bench/results/quantize-dry-run-DATE.md]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tensorBytes } from '../src/core/ggml';
import { assignTensorTypes, DEFAULT_TYPE } from '../src/core/quantize';
import { listTensors } from '../src/core/tensors';
import { writeGgufModel } from '../src/node/gguf-writer';
import { loadCatalog } from '../src/node/resources';
import type { Precision } from '../src/shared/precision';
import { ensureBuilt, toolPath } from './lib/llama-rpc';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    precisions: { type: 'string', default: 'Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q3_K_M,Q2_K' },
    out: { type: 'string' },
    /** Also write what llama-quantize said, for test/unit/quantize-llama-cpp.test.ts: per case the quant size and the type of every quantizable tensor not at the precision's default type. */
    fixture: { type: 'string' },
  },
});
const precisions = (values.precisions as string).split(',') as Precision[];
ensureBuilt(['llama-quantize']);
const QUANTIZE = toolPath('llama-quantize');

const only = values.only ? new Set(values.only.split(',')) : null;
const models = loadCatalog().filter((m) => !only || only.has(m.id));
if (models.length === 0) throw new Error('no catalog model matches --only');

/** ggml's lower-case type names as llama-quantize prints them ("q4_K", "f16"), in the catalogue's spelling. */
const typeName = (t: string): string => t.toUpperCase();

interface DryTensor {
  name: string;
  type: string;
  mib: number;
}
/** The tensors of a dry run: "[ 12/ 851] blk.0.attn_qkv.weight - [ 5120, 10240, ...], type = f16, size = 100.00 MiB -> 28.12 MiB (q4_K)". */
function dryRun(file: string, precision: Precision): { tensors: DryTensor[]; totalMiB: number } | { error: string } {
  const r = spawnSync(QUANTIZE, ['--dry-run', file, precision], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 2 ** 20 });
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const total = /quant size\s*=\s*([\d.]+) MiB/.exec(text);
  if (r.status !== 0 || !total) return { error: text.split('\n').filter(Boolean).slice(-3).join(' / ') };
  const tensors: DryTensor[] = [];
  for (const line of text.split('\n')) {
    const m =
      /^\[\s*\d+\/\s*\d+\]\s+(\S+)\s+-\s+\[[^\]]*\],\s+type =\s+(\w+),\s+size =\s+([\d.]+) MiB(?: ->\s+([\d.]+) MiB \((\w+)\))?/.exec(line);
    if (!m) continue;
    tensors.push({ name: m[1] as string, type: typeName((m[5] ?? m[2]) as string), mib: Number(m[4] ?? m[3]) });
  }
  return { tensors, totalMiB: Number(total[1]) };
}

const MiB = 2 ** 20;
const scratch = mkdtempSync(join(tmpdir(), 'rightsize-quantize-dry-run-'));
const rows: string[] = [];
const ratios: Array<{ id: string; precision: Precision; ratio: number; mismatched: number }> = [];
/** Tensor-name patterns (block number taken out) whose type differs, with the two types, across all cases. */
const patterns = new Map<string, { cases: Set<string>; example: string }>();
const skipped: string[] = [];
const fixtureCases: Array<{ id: string; precision: Precision; quantMiB: number; tensors: number; notDefault: Record<string, string> }> = [];
try {
  for (const m of models) {
    if (m.moeLayout?.expertsType) {
      // gpt-oss: published files of every precision keep the MXFP4 experts the model shipped with, as the catalogue
      // sizes them; llama-quantize would have to requantize them (--allow-requantize), which is not how they are made.
      skipped.push(`${m.id} (${m.moeLayout.expertsType} experts kept in every published file)`);
      continue;
    }
    const file = join(scratch, `${m.id}.gguf`);
    try {
      await writeGgufModel(file, { shape: { ...m }, precision: 'F16', data: 'sparse', name: m.name });
    } catch (error) {
      rows.push(`| ${m.id} | all | | | | not written: ${(error as Error).message.slice(0, 120)} |`);
      continue;
    }
    const tensors = listTensors(m);
    for (const precision of precisions) {
      const ours = assignTensorTypes(m, tensors, precision);
      const dry = dryRun(file, precision);
      if ('error' in dry) {
        rows.push(`| ${m.id} | ${precision} | | | | llama-quantize failed: ${dry.error.slice(0, 160).replace(/\|/g, '/')} |`);
        continue;
      }
      let oursBytes = 0;
      for (const t of tensors)
        oursBytes += tensorBytes(
          ours.get(t.name) ?? 'F16',
          t.dims.reduce((a, b) => a * b, 1),
        );
      const mismatched: string[] = [];
      for (const t of dry.tensors) {
        const mine = ours.get(t.name);
        if (mine === undefined) {
          mismatched.push(`${t.name} (not in rightsize's list)`);
          continue;
        }
        if (mine !== t.type) {
          mismatched.push(`${t.name}: ${t.type} / ${mine}`);
          const key = `${m.arch} ${precision} ${t.name.replace(/^blk\.\d+\./, 'blk.N.')}: llama.cpp ${t.type}, rightsize ${mine}`;
          const p = patterns.get(key) ?? { cases: new Set<string>(), example: t.name };
          p.cases.add(m.id);
          patterns.set(key, p);
        }
      }
      if (values.fixture) {
        const byName = new Map(tensors.map((t) => [t.name, t]));
        const usual = DEFAULT_TYPE[precision];
        const notDefault: Record<string, string> = {};
        for (const t of dry.tensors) if ((byName.get(t.name)?.dims.length ?? 0) >= 2 && t.type !== usual) notDefault[t.name] = t.type;
        fixtureCases.push({ id: m.id, precision, quantMiB: dry.totalMiB, tensors: dry.tensors.length, notDefault });
      }
      const missing = tensors.filter((t) => !dry.tensors.some((d) => d.name === t.name)).length;
      const ratio = oursBytes / MiB / dry.totalMiB;
      ratios.push({ id: m.id, precision, ratio, mismatched: mismatched.length });
      rows.push(
        `| ${m.id} | ${precision} | ${dry.totalMiB.toFixed(1)} | ${(oursBytes / MiB).toFixed(1)} | ${ratio.toFixed(4)} | ${mismatched.length ? `${mismatched.length} of ${dry.tensors.length} tensors typed otherwise (e.g. ${mismatched[0]})` : `all ${dry.tensors.length} tensors alike`}${missing ? `; ${missing} of rightsize's not in the file` : ''} |`,
      );
    }
    rmSync(file, { force: true });
    process.stderr.write(`${m.id} done\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const sorted = ratios.map((r) => r.ratio).sort((a, b) => a - b);
const within = (f: number): number => ratios.filter((r) => Math.abs(r.ratio - 1) <= f).length;
const date = new Date().toISOString().slice(0, 10);
const report = [
  `# Weight sizes against llama-quantize --dry-run (${date})`,
  '',
  `\`npx tsx bench/quantize-dry-run.ts${values.only ? ` --only ${values.only}` : ''}\`: ${models.length} catalog models x ${precisions.join(', ')}. llama.cpp: the source node-llama-cpp ships, its quantizer run dry on a sparse F16 file of each shape (no imatrix). Ratio: rightsize's weight bytes over llama-quantize's "quant size".`,
  '',
  `${ratios.length} cases: ratio ${sorted.length ? `${(sorted[0] as number).toFixed(4)}-${(sorted.at(-1) as number).toFixed(4)}` : 'none'}; within 0.1%: ${within(0.001)}, within 1%: ${within(0.01)}; every tensor typed alike in ${ratios.filter((r) => r.mismatched === 0).length}.`,
  '',
  ...(skipped.length ? [`Not compared: ${skipped.join('; ')}.`, ''] : []),
  '## Tensors typed otherwise (by architecture, precision and name)',
  '',
  ...(patterns.size
    ? [...patterns.entries()]
        .sort()
        .map(([k, v]) => `- ${k} (${[...v.cases].slice(0, 4).join(', ')}${v.cases.size > 4 ? `, +${v.cases.size - 4}` : ''})`)
    : ['None.']),
  '',
  '## Every case',
  '',
  '| model | precision | llama-quantize MiB | rightsize MiB | ratio | tensor types |',
  '|---|---|---:|---:|---:|---|',
  ...rows,
  '',
];
const text = report.join('\n');
// One case a line: the file is read by a test, and diffs stay readable.
if (values.fixture)
  writeFileSync(
    values.fixture,
    `{"source": ${JSON.stringify(`llama-quantize --dry-run (the llama.cpp source node-llama-cpp ships), ${date}, on sparse F16 files rightsize wrote (bench/quantize-dry-run.ts)`)},\n"cases": [\n${fixtureCases.map((c) => JSON.stringify(c)).join(',\n')}\n]}\n`,
  );
if (values.out) writeFileSync(values.out, text);
process.stdout.write(text);
