// Loads a GGUF with node-llama-cpp on the CPU and generates a few tokens greedily; prints one JSON line.
// Run it in a child process: a malformed file can abort llama.cpp (and with it the process).
//   node test/helpers/load-gguf.mjs <model.gguf> [tokens=8] [prompt]
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

const [modelPath, tokensArg = '8', prompt = 'Once upon a time'] = process.argv.slice(2);
const want = Number(tokensArg);
const t0 = performance.now();
try {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: () => {}, progressLogs: false });
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const loadMs = performance.now() - t0;
  // Always pass threads: the default oversubscribes a small machine and runs many times slower.
  const context = await model.createContext({ contextSize: 256, threads: 1 });
  const sequence = context.getSequence();
  const input = model.tokenize(prompt);
  const tokens = [];
  const confidences = [];
  for await (const out of sequence.evaluateWithMetadata(input, { confidence: true }, { temperature: 0 })) {
    tokens.push(out.token);
    confidences.push(out.confidence);
    if (tokens.length >= want) break;
  }
  const result = {
    ok: true,
    arch: model.fileInfo.metadata.general.architecture,
    trainContextSize: model.trainContextSize,
    sizeBytes: model.size,
    inputTokens: input.length,
    tokens,
    text: model.detokenize(tokens),
    confidences,
    finite: confidences.every((c) => Number.isFinite(c)),
    loadMs: Math.round(loadMs),
    totalMs: Math.round(performance.now() - t0),
  };
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  process.stdout.write(JSON.stringify(result) + '\n');
} catch (error) {
  process.stdout.write(
    JSON.stringify({ ok: false, error: String(error?.stack ?? error), totalMs: Math.round(performance.now() - t0) }) + '\n',
  );
  process.exitCode = 1;
}
