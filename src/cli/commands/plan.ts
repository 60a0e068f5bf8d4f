// `rightsize plan --pool A,B[,C] --model X`: one model split over 2 to 4 machines with llama.cpp's RPC.
import { DEFAULT_CONTEXT_TOKENS } from '../../shared/defaults';
import { PRECISIONS, type Precision } from '../../shared/precision';
import { LINK_NAMES, MAX_COMPARED, MIN_COMPARED, PoolResultSchema } from '../../shared/schema';
import { defineCommand, UsageError, useColor } from '../command';
import { COLOR_OPTIONS, CONTEXT_OPTIONS, JSON_OPTION, parseContext, parseKv } from '../args';

/** A custom link's one-way latency when only its speed is given: the 1 GbE preset's (an assumption). */
const DEFAULT_CUSTOM_LATENCY_MS = 0.2;

type LinkInput = (typeof LINK_NAMES)[number] | { bytesPerSec: number; latencyMs: number };

/** A preset name, or a speed such as 5Gbps or 800Mbps, optionally with a latency: 5Gbps@0.1ms. */
export function parseLink(text: string): LinkInput {
  const preset = LINK_NAMES.find((name) => name.toLowerCase() === text.trim().toLowerCase());
  if (preset) return preset;
  const match = /^(\d+(?:\.\d+)?)\s*(gbps|mbps|gbit|mbit)(?:@(\d+(?:\.\d+)?)ms)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--link takes ${LINK_NAMES.join(', ')} or a speed such as 5Gbps or 800Mbps@0.3ms (got "${text}").`);
  const bitsPerSec = Number(match[1]) * (match[2]?.toLowerCase().startsWith('g') ? 1e9 : 1e6);
  return { bytesPerSec: bitsPerSec / 8, latencyMs: match[3] !== undefined ? Number(match[3]) : DEFAULT_CUSTOM_LATENCY_MS };
}

export const planCommand = defineCommand({
  name: 'plan',
  summary: "Plan one model across 2 to 4 machines with llama.cpp's RPC: memory per node, speed over the link, the commands.",
  args: '--pool <head>,<worker>[,worker] --model <catalog id>',
  description:
    'The first profile is the head (llama-server --rpc), the rest run rpc-server. "this machine" is the detected one.\nLink figures are assumptions: 1GbE 125 MB/s 0.2 ms, 2.5GbE 312.5 MB/s 0.2 ms, 10GbE 1.25 GB/s 0.05 ms, 40GbE 5 GB/s 0.05 ms, thunderbolt 2.5 GB/s 0.05 ms.',
  options: {
    ...JSON_OPTION,
    pool: { type: 'string', value: 'A,B[,C]', help: 'Saved profiles (or "this machine"), the head first, comma-separated.' },
    model: { type: 'string', value: 'ID', help: 'A catalog model id (rightsize models --catalog).' },
    quant: { type: 'string', value: 'Q', help: `Precision: ${PRECISIONS.join(', ')} (default Q4_K_M).` },
    link: { type: 'string', value: 'L', help: `${LINK_NAMES.join(', ')} or a speed such as 5Gbps (default 1GbE).` },
    ...CONTEXT_OPTIONS,
    ...COLOR_OPTIONS,
  },
  async run({ values, io, service: makeService }) {
    const profiles = (values.pool ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name.length > 0);
    if (profiles.length < MIN_COMPARED || profiles.length > MAX_COMPARED)
      throw new UsageError(`--pool names ${MIN_COMPARED} to ${MAX_COMPARED} profiles, the head first, e.g. --pool "this machine",Desk.`);
    if (!values.model) throw new UsageError('--model names a catalog model id, e.g. --model llama-3.1-8b.');
    const quant = values.quant?.toUpperCase();
    if (quant !== undefined && !(PRECISIONS as readonly string[]).includes(quant))
      throw new UsageError(`--quant is one of ${PRECISIONS.join(', ')} (got "${values.quant}").`);
    const service = makeService({ backgroundRefresh: false });
    const result = await service.call('planPool', {
      profiles,
      model: values.model,
      ...(quant !== undefined ? { quant: quant as Precision } : {}),
      contextTokens: values.ctx !== undefined ? parseContext(values.ctx) : DEFAULT_CONTEXT_TOKENS,
      kvType: parseKv(values.kv),
      link: parseLink(values.link ?? '1GbE'),
    });
    io.stdout(
      values.json
        ? `${JSON.stringify(PoolResultSchema.parse(result), null, 2)}\n`
        : `${(await import('../format/plan')).formatPoolPlan(result, useColor(values, io))}\n`,
    );
    return 0;
  },
});
