// Mutation fuzzing of the GGUF header reader at volume: the cases of test/unit/gguf-fuzz.test.ts,
// by the hundred thousand. Exits non-zero when any case throws something other than a GgufError,
// parses into a nonsensical header, or takes longer than a second.
//   npx tsx bench/gguf-fuzz.ts [cases=100000] [--seed N] [--case I]
// --case I reruns one case and prints its mutations and result (to reproduce a failure).
import { GgufError } from '../src/core/gguf-types';
import { parseGgufHeader } from '../src/core/gguf';
import { bestTimeMs, DEFAULT_FUZZ_SEED, describeCase, fuzzSource, loadFuzzSamples, makeFuzzCase, runFuzz } from '../test/helpers/gguf-fuzz';

function parseArgs(argv: string[]): { cases: number; seed: number; only?: number } {
  let cases = 100_000;
  let seed = DEFAULT_FUZZ_SEED;
  let only: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (): number => {
      const value = Number(argv[++i]);
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${arg} needs a non-negative integer`);
      return value;
    };
    if (arg === '--seed') seed = next();
    else if (arg === '--case') only = next();
    else if (/^\d+$/.test(arg)) cases = Number(arg);
    else throw new Error(`unknown argument ${arg}; usage: npx tsx bench/gguf-fuzz.ts [cases] [--seed N] [--case I]`);
  }
  return { cases, seed, only };
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<number> {
  const { cases, seed, only } = parseArgs(process.argv.slice(2));
  const samples = await loadFuzzSamples();

  if (only !== undefined) {
    const fuzzCase = makeFuzzCase(samples, seed, only);
    console.log(describeCase(seed, fuzzCase));
    try {
      const header = await parseGgufHeader(fuzzSource(fuzzCase));
      console.log(
        `parsed: v${header.version}, ${header.metadata.size} keys, ${header.tensors.length} tensors, data at ${header.dataOffset}`,
      );
      return 0;
    } catch (error) {
      if (error instanceof GgufError) {
        console.log(`GgufError ${error.code}: ${error.message}`);
        return 0;
      }
      console.error(error);
      return 1;
    }
  }

  console.log(
    `GGUF header fuzzing: ${cases} cases, seed ${seed}, samples: ${samples.map((s) => `${s.name} (${s.bytes.length} B)`).join(', ')}`,
  );
  const summary = await runFuzz(samples, seed, cases);
  console.log(`${(summary.cases / summary.seconds).toFixed(0)} cases/s (${summary.seconds.toFixed(1)} s)`);
  console.log('outcomes:');
  for (const [kind, count] of Object.entries(summary.counts).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${kind.padEnd(20)} ${String(count).padStart(8)}  ${((count / summary.cases) * 100).toFixed(1)}%`);
  }
  const rerunMs = await bestTimeMs(makeFuzzCase(samples, seed, summary.slowest.index));
  console.log(
    `slowest case: ${summary.slowest.ms.toFixed(2)} ms (case ${summary.slowest.index}; alone, best of 5: ${rerunMs.toFixed(2)} ms)`,
  );
  console.log(
    `heap: ${mib(summary.startHeapBytes)} at start, peak ${mib(summary.peakHeapBytes)} (+${mib(summary.peakHeapBytes - summary.startHeapBytes)})`,
  );
  if (summary.failures.length > 0) {
    console.error(`\n${summary.failures.length} failing cases; the first:`);
    for (const { fuzzCase, problem } of summary.failures.slice(0, 10)) console.error(`- ${problem}\n  ${describeCase(seed, fuzzCase)}`);
    return 1;
  }
  console.log('no failures');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
