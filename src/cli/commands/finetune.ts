// `rightsize finetune MODEL --method full|lora|qlora`: memory, fit, GPUs, time, energy and cost of
// fine-tuning one model, each figure with how it was computed.
import { FINETUNE_METHODS, FinetuneResultSchema } from '../../shared/schema';
import { defineCommand, UsageError, useColor } from '../command';
import { COLOR_OPTIONS, JSON_OPTION, PROFILE_OPTION } from '../args';

type Method = (typeof FINETUNE_METHODS)[number];

/** A positive number with an optional k, M, B or T suffix (tokens: 100M, 1.5B, 3e11). */
function parseCount(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kKmMbBtT]?)\s*$/.exec(text);
  const scale = { '': 1, k: 1e3, m: 1e6, b: 1e9, t: 1e12 }[(match?.[2] ?? '').toLowerCase()] ?? 1;
  const n = match ? Number(match[1]) * scale : NaN;
  if (!(n > 0) || (integer && !Number.isInteger(n)))
    throw new UsageError(
      `--${flag} "${text}" must be a positive ${integer ? 'whole number' : 'number'}${flag === 'tokens' ? ' (e.g. 100M or 3e11)' : ''}.`,
    );
  return n;
}

function parseFraction(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const percent = /%\s*$/.test(text);
  const n = Number(text.replace(/%\s*$/, '')) / (percent ? 100 : 1);
  if (!(n > 0 && n <= 1)) throw new UsageError(`--${flag} "${text}" must be a share above 0 and at most 1, e.g. 0.4 or 40%.`);
  return n;
}

function parsePrice(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text) || !(n >= 0)) throw new UsageError(`--${flag} "${text}" must be a price, e.g. 3.39.`);
  return n;
}

export const finetuneCommand = defineCommand({
  name: 'finetune',
  summary: 'Fine-tuning one model (full, LoRA, QLoRA): memory, fit, GPUs it takes, time, energy and cost.',
  args: '<catalog-id | file.gguf | model name | 175B> --method full|lora|qlora',
  description: [
    'Memory: full = 16 bytes per parameter (bf16 weights 2 + gradients 2 + fp32 master 4 + Adam 8, ZeRO 2020);',
    'LoRA = bf16 frozen weights + adapters r·(d_in+d_out) on q,k,v,o,gate,up,down at 12 bytes each (bf16 2 + grad 2 + fp32 Adam 8);',
    'QLoRA = the projections at NF4 with double quantization (4.127 bits) + the rest in bf16 + the same adapters.',
    'Activations: Korthikanti et al. 2022, with and without gradient checkpointing. Time: 6·N·D FLOPs (LoRA 4·N·D)',
    "at the GPU's dense bf16 peak x --efficiency (default 40%). A bare count such as 175B sizes full fine-tuning only.",
  ].join('\n'),
  options: {
    ...JSON_OPTION,
    method: { type: 'string', value: 'M', help: `${FINETUNE_METHODS.join(', ')}.` },
    seq: { type: 'string', value: 'N', help: 'Sequence length, tokens (default 2048).' },
    batch: { type: 'string', value: 'N', help: 'Sequences in memory at once (default 1).' },
    tokens: { type: 'string', value: 'N', help: 'Tokens trained on, all epochs (default 100M; 3e11, 1.5B work).' },
    rank: { type: 'string', value: 'R', help: 'LoRA rank (default 16).' },
    'no-checkpointing': { type: 'boolean', help: 'Plan without gradient checkpointing (more memory, one forward pass fewer).' },
    'no-flash-attention': { type: 'boolean', help: 'Count the s x s attention scores as stored (eager attention).' },
    gpu: { type: 'string', value: 'NAME', help: "GPU preset to plan on (rightsize presets gpus); default: this machine's." },
    gpus: { type: 'string', value: 'N', help: 'Train on N GPUs instead of the fewest that hold it.' },
    'peak-tflops': {
      type: 'string',
      value: 'T',
      help: 'Dense bf16 peak per GPU (for a GPU without a catalogued one, or a measured figure).',
    },
    efficiency: { type: 'string', value: 'E', help: 'Share of peak sustained, e.g. 0.4 or 40% (default 40%).' },
    usable: { type: 'string', value: 'U', help: "Share of each GPU's memory training may use (default 90%)." },
    watts: { type: 'string', value: 'W', help: "Power per GPU, watts (default: the preset's TDP)." },
    'price-per-gpu-hour': { type: 'string', value: 'X', help: 'Price of one GPU for one hour.' },
    'price-per-kwh': { type: 'string', value: 'X', help: 'Price of electricity per kWh (used when no GPU-hour price is given).' },
    currency: { type: 'string', value: 'C', help: 'Label for prices, e.g. EUR.' },
    ...PROFILE_OPTION,
    ...COLOR_OPTIONS,
  },
  async run({ values, positionals, io, service: makeService }) {
    if (positionals.length !== 1) throw new UsageError('finetune needs one model: `rightsize finetune llama-3.1-8b --method qlora`.');
    const method = values.method?.toLowerCase();
    if (!method || !(FINETUNE_METHODS as readonly string[]).includes(method))
      throw new UsageError(`--method is one of ${FINETUNE_METHODS.join(', ')}${values.method ? ` (got "${values.method}")` : ''}.`);
    const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
      value === undefined ? {} : ({ [key]: value } as Record<K, V>);
    const service = makeService({ backgroundRefresh: false });
    const result = await service.call('sizeFinetune', {
      model: positionals[0] as string,
      method: method as Method,
      ...optional('seqTokens', parseCount('seq', values.seq, true)),
      ...optional('batch', parseCount('batch', values.batch, true)),
      ...optional('tokens', parseCount('tokens', values.tokens, false)),
      ...optional('rank', parseCount('rank', values.rank, true)),
      checkpointing: !values['no-checkpointing'],
      flashAttention: !values['no-flash-attention'],
      ...optional('gpu', values.gpu),
      ...optional('gpuCount', parseCount('gpus', values.gpus, true)),
      ...optional('peakTflops', parseCount('peak-tflops', values['peak-tflops'], false)),
      ...optional('efficiency', parseFraction('efficiency', values.efficiency)),
      ...optional('usableFraction', parseFraction('usable', values.usable)),
      ...optional('wattsPerGpu', parseCount('watts', values.watts, false)),
      ...optional('pricePerGpuHour', parsePrice('price-per-gpu-hour', values['price-per-gpu-hour'])),
      ...optional('pricePerKwh', parsePrice('price-per-kwh', values['price-per-kwh'])),
      ...optional('currency', values.currency),
      ...optional('profile', values.profile),
    });
    io.stdout(
      values.json
        ? `${JSON.stringify(FinetuneResultSchema.parse(result), null, 2)}\n`
        : `${(await import('../format/finetune')).formatFinetune(result, useColor(values, io))}\n`,
    );
    return 0;
  },
});
