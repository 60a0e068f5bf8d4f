// Runs on a lent GPU machine (bench/device/cuda-run.sh), bundled into one file with esbuild so that it
// needs only a Node binary there. Two jobs:
//   hardware OUT.json          what this machine's detection sources say, raw: the RawDetection rightsize's
//                              own collectors gather (systeminformation, nvidia-smi, rocm-smi, sysfs, the RAM
//                              bandwidth probe), plus systeminformation's calls as returned, for a fixture.
//   models SPEC.json DIR       writes the GGUF files the run measures (generated shapes of catalog models).
// Usage (bundle): npx esbuild bench/device/capture.ts --bundle --platform=node --format=esm \
//   --external:node-llama-cpp --outfile=.devcarry/capture.mjs
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import si from 'systeminformation';
import { collectFast, defaultCollectors } from '../../src/node/hardware/collect';
import { writeGgufModel } from '../../src/node/gguf-writer';
import type { GgufDataMode } from '../../src/node/gguf-writer/tensor-data';
import type { Precision } from '../../src/shared/precision';
import { CatalogSchema } from '../../src/shared/schema';

async function hardware(out: string): Promise<void> {
  const t0 = performance.now();
  const [graphics, mem, cpu, cpuFlags, osInfo] = await Promise.all([si.graphics(), si.mem(), si.cpu(), si.cpuFlags(), si.osInfo()]);
  const masked = { ...osInfo, hostname: '...', fqdn: '...', serial: '...' };
  const siMs = performance.now() - t0;
  const collectors = defaultCollectors(10_000);
  const raw = await collectFast({ collectors, timeoutMs: 10_000, cacheDir: '/tmp/rightsize-capture-cache', refresh: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        recordedAt: new Date().toISOString(),
        node: process.version,
        siMs,
        si: { graphics, mem, cpu, cpuFlags, osInfo: masked },
        raw: { ...raw, si: raw.si ? { ...raw.si, osInfo: masked } : raw.si },
      },
      null,
      1,
    ),
  );
}

interface ModelSpec {
  /** File name under DIR. */
  file: string;
  /** A catalog model id. */
  id: string;
  precision: Precision;
  data: GgufDataMode;
}

async function models(specFile: string, dir: string): Promise<void> {
  const catalog = CatalogSchema.parse(JSON.parse(readFileSync('resources/catalog/models.json', 'utf8'))).models;
  const specs = JSON.parse(readFileSync(specFile, 'utf8')) as ModelSpec[];
  mkdirSync(dir, { recursive: true });
  for (const s of specs) {
    const m = catalog.find((x) => x.id === s.id);
    if (!m) throw new Error(`no catalog model ${s.id}`);
    const r = await writeGgufModel(join(dir, s.file), { shape: { ...m }, precision: s.precision, data: s.data, name: m.name });
    process.stdout.write(`${s.file}: ${(r.bytes / 2 ** 30).toFixed(2)} GiB (${s.data}) in ${(r.ms / 1000).toFixed(1)} s\n`);
  }
}

const [job, a, b] = process.argv.slice(2);
if (job === 'hardware' && a) await hardware(a);
else if (job === 'models' && a && b) await models(a, b);
else {
  process.stderr.write('usage: capture.mjs hardware OUT.json | models SPEC.json DIR\n');
  process.exit(2);
}
