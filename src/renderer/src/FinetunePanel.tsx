// "Fine-tune…": full fine-tuning, LoRA or QLoRA of one catalog model: memory by part with and
// without gradient checkpointing, whether it fits this machine (or the chosen profile), and on a
// GPU preset: how many, how long, energy and cost. Every figure shows how it was computed.
import { useEffect, useId, useMemo, useState } from 'react';
import type { HostApi, HostApiInput } from '../../shared/api';
import {
  DEFAULT_FINETUNE_EFFICIENCY,
  FINETUNE_METHODS,
  type FigureValue,
  type FinetuneResult,
  type PresetList,
  type ReportRow,
} from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { gpusToTrainOn } from '../../shared/machine-presets';
import { catalogModels } from './reportRows';
import { useAsk } from './useAsk';

type Method = (typeof FINETUNE_METHODS)[number];
const METHOD_LABELS: Record<Method, string> = { full: 'Full fine-tuning', lora: 'LoRA (bf16 weights)', qlora: 'QLoRA (4-bit NF4 weights)' };
const SEQ_CHOICES = [512, 1024, 2048, 4096, 8192, 16384, 32768];
const RANK_CHOICES = [4, 8, 16, 32, 64, 128, 256];

const params = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : `${(n / 1e6).toFixed(1)}M`);
const duration = (days: number): string =>
  days >= 2
    ? `${days.toFixed(1)} days`
    : days * 24 >= 1
      ? `${(days * 24).toFixed(1)} hours`
      : `${Math.max(1, Math.round(days * 1440))} minutes`;
const money = (amount: number, currency: string | null): string =>
  `${amount >= 1e6 ? `${(amount / 1e6).toFixed(2)} M` : amount >= 1e3 ? Math.round(amount).toLocaleString('en-US') : amount.toFixed(2)}${currency ? ` ${currency}` : ''}`;

function FigureRow({
  label,
  figure,
  text,
  strong,
}: {
  label: string;
  figure: FigureValue;
  text: string;
  strong?: boolean;
}): React.JSX.Element {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{strong ? <strong>{text}</strong> : text}</td>
      <td className="muted">{figure.how}</td>
    </tr>
  );
}

function FinetuneTable({ result }: { result: FinetuneResult }): React.JSX.Element {
  const { memory: m, machine, gpu: g, settings: s } = result;
  const fits = (yes: boolean): string => (yes ? 'fits' : 'does not fit');
  return (
    <div className="matrix-wrap">
      <table className="compare-table" data-testid="finetune-table">
        <caption>
          {result.model.name}: {METHOD_LABELS[result.method]}
          {result.method === 'full' ? '' : `, rank ${s.rank}`}, {s.seqTokens} tokens x batch {s.batch}. Parameters{' '}
          {params(result.model.params)}, trains {params(result.trainableParams.value)}.
        </caption>
        <thead>
          <tr>
            <td />
            <th scope="col">Value</th>
            <th scope="col">How it was computed</th>
          </tr>
        </thead>
        <tbody>
          <tr className="group">
            <th scope="colgroup" colSpan={3}>
              Memory
            </th>
          </tr>
          {m.items.map((item) => (
            <FigureRow key={item.key} label={item.label} figure={item} text={formatBytes(item.value)} />
          ))}
          {m.activationsWithoutCheckpointing && (
            <FigureRow
              label="Activations, no checkpointing"
              figure={m.activationsWithoutCheckpointing}
              text={formatBytes(m.activationsWithoutCheckpointing.value)}
            />
          )}
          {m.activationsWithCheckpointing && (
            <FigureRow
              label="Activations, checkpointing"
              figure={m.activationsWithCheckpointing}
              text={formatBytes(m.activationsWithCheckpointing.value)}
            />
          )}
          <FigureRow
            label="Total, no checkpointing"
            figure={m.totalWithoutCheckpointing}
            text={formatBytes(m.totalWithoutCheckpointing.value)}
            strong
          />
          <FigureRow
            label="Total, checkpointing"
            figure={m.totalWithCheckpointing}
            text={formatBytes(m.totalWithCheckpointing.value)}
            strong
          />
          <tr className="group">
            <th scope="colgroup" colSpan={3}>
              {machine.name}
            </th>
          </tr>
          <FigureRow
            label="Usable GPU memory"
            figure={machine.usableBytes}
            text={`${formatBytes(machine.usableBytes.value)}: ${fits(machine.fitsWithCheckpointing)} with checkpointing, ${fits(machine.fitsWithoutCheckpointing)} without`}
          />
          {g && (
            <>
              <tr className="group">
                <th scope="colgroup" colSpan={3}>
                  On {g.name}
                </th>
              </tr>
              <FigureRow
                label="GPUs needed"
                figure={g.gpusNeeded}
                text={`${g.gpusNeeded.value} x ${formatBytes(g.vramBytes)}${g.gpusUsed !== g.gpusNeeded.value ? ` (planned on ${g.gpusUsed})` : ''}`}
                strong
              />
              <FigureRow label="Training FLOPs" figure={g.flops} text={g.flops.value.toExponential(2)} />
              {g.peakTflops && (
                <FigureRow
                  label="Peak per GPU"
                  figure={g.peakTflops}
                  text={`${g.peakTflops.value} TFLOPS at ${Math.round(s.efficiency * 100)}%`}
                />
              )}
              {g.days && <FigureRow label="Time" figure={g.days} text={duration(g.days.value)} strong />}
              {g.gpuHours && (
                <FigureRow label="GPU-hours" figure={g.gpuHours} text={Math.round(g.gpuHours.value).toLocaleString('en-US')} />
              )}
              {g.powerKw && <FigureRow label="Power" figure={g.powerKw} text={`${g.powerKw.value.toFixed(1)} kW`} />}
              {g.energyKwh && (
                <FigureRow label="Energy" figure={g.energyKwh} text={`${Math.round(g.energyKwh.value).toLocaleString('en-US')} kWh`} />
              )}
              {g.cost && <FigureRow label="Cost" figure={g.cost} text={money(g.cost.value, g.currency)} strong />}
            </>
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A price field: empty (not given), a number of 0 or more, or null when it is neither. */
function priceOrUndefined(text: string): number | undefined | null {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** A labelled number field of the settings row; its text is kept as typed and checked on submit. */
function NumberField({
  id,
  label,
  testId,
  value,
  onChange,
  min,
  max,
  step = 'any',
}: {
  id: string;
  label: string;
  testId: string;
  value: string;
  onChange: (text: string) => void;
  min: number;
  max?: number;
  step?: number | 'any';
}): React.JSX.Element {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        data-testid={testId}
        type="number"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </>
  );
}

export function FinetunePanel({
  host,
  rows,
  profile,
  onClose,
}: {
  host: HostApi;
  /** The report's rows: the catalog models offered. */
  rows: readonly ReportRow[];
  /** The profile the report sizes for (undefined: this machine). */
  profile: string | undefined;
  onClose: () => void;
}): React.JSX.Element {
  const ids = {
    heading: useId(),
    model: useId(),
    method: useId(),
    seq: useId(),
    batch: useId(),
    rank: useId(),
    tokens: useId(),
    gpu: useId(),
    efficiency: useId(),
    price: useId(),
    kwh: useId(),
    invalid: useId(),
  };
  const models = useMemo(() => catalogModels(rows), [rows]);
  const [presets, setPresets] = useState<PresetList['gpus']>([]);
  const [model, setModel] = useState('');
  const [method, setMethod] = useState<Method>('qlora');
  const [seq, setSeq] = useState(2048);
  const [batch, setBatch] = useState('1');
  const [rank, setRank] = useState(16);
  const [tokensM, setTokensM] = useState('100');
  const [gpu, setGpu] = useState('');
  const [efficiency, setEfficiency] = useState(String(DEFAULT_FINETUNE_EFFICIENCY * 100));
  const [pricePerGpuHour, setPricePerGpuHour] = useState('');
  const [pricePerKwh, setPricePerKwh] = useState('');
  const [checkpointing, setCheckpointing] = useState(true);
  const { result, error: askError, busy, ask } = useAsk<FinetuneResult>();
  const [loadError, setLoadError] = useState<string | null>(null);
  const error = askError ?? loadError;

  useEffect(() => {
    let gone = false;
    host.listPresets({}).then(
      (list) => {
        if (!gone) setPresets(gpusToTrainOn(list));
      },
      (e: unknown) => {
        if (!gone) setLoadError((e as Error).message);
      },
    );
    return () => {
      gone = true;
    };
  }, [host]);

  const chosenModel = model || models[0]?.id || '';
  const batchN = Number(batch);
  const tokens = Number(tokensM) * 1e6;
  const eff = Number(efficiency) / 100;
  const gpuHour = priceOrUndefined(pricePerGpuHour);
  const kwh = priceOrUndefined(pricePerKwh);
  // Why "Size it" is disabled, in words: a disabled button alone says nothing.
  const invalid =
    chosenModel === ''
      ? 'The report has no catalog model to size.'
      : !(Number.isInteger(batchN) && batchN >= 1)
        ? 'Batch is a whole number, 1 or more.'
        : !(tokens > 0)
          ? 'Tokens must be more than 0.'
          : !(eff > 0 && eff <= 1)
            ? 'Efficiency is more than 0 and at most 100 %.'
            : gpuHour === null || kwh === null
              ? 'A price is a number, 0 or more, or left empty.'
              : null;
  const valid = invalid === null;
  const run = (event: React.FormEvent): void => {
    event.preventDefault();
    // As in the compare and pool panels: the button stays enabled while busy so focus stays.
    if (!valid || gpuHour === null || kwh === null) return;
    const request: HostApiInput<'sizeFinetune'> = {
      model: chosenModel,
      method,
      seqTokens: seq,
      batch: batchN,
      rank,
      tokens,
      efficiency: eff,
      checkpointing,
      ...(gpu ? { gpu } : {}),
      ...(gpuHour !== undefined ? { pricePerGpuHour: gpuHour } : {}),
      ...(kwh !== undefined ? { pricePerKwh: kwh } : {}),
      ...(profile !== undefined ? { profile } : {}),
    };
    ask(() => host.sizeFinetune(request));
  };

  return (
    <section
      className="card compare pool"
      aria-labelledby={ids.heading}
      data-testid="finetune-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <button type="button" className="close" aria-label="Close fine-tuning" onClick={onClose}>
        ×
      </button>
      <h2 id={ids.heading}>Fine-tune</h2>
      <form onSubmit={run}>
        <div className="pool-settings">
          <label htmlFor={ids.model}>Model</label>
          <select id={ids.model} data-testid="finetune-model" value={chosenModel} onChange={(e) => setModel(e.target.value)}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
          <label htmlFor={ids.method}>Method</label>
          <select id={ids.method} data-testid="finetune-method" value={method} onChange={(e) => setMethod(e.target.value as Method)}>
            {FINETUNE_METHODS.map((m) => (
              <option key={m} value={m}>
                {METHOD_LABELS[m]}
              </option>
            ))}
          </select>
          <label htmlFor={ids.seq}>Sequence</label>
          <select id={ids.seq} data-testid="finetune-seq" value={seq} onChange={(e) => setSeq(Number(e.target.value))}>
            {SEQ_CHOICES.map((n) => (
              <option key={n} value={n}>
                {n} tokens
              </option>
            ))}
          </select>
          <NumberField id={ids.batch} label="Batch" testId="finetune-batch" min={1} step={1} value={batch} onChange={setBatch} />
          <label htmlFor={ids.rank}>LoRA rank</label>
          <select
            id={ids.rank}
            data-testid="finetune-rank"
            value={rank}
            disabled={method === 'full'}
            onChange={(e) => setRank(Number(e.target.value))}
          >
            {RANK_CHOICES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <label>
            <input
              type="checkbox"
              data-testid="finetune-checkpointing"
              checked={checkpointing}
              onChange={(e) => setCheckpointing(e.target.checked)}
            />{' '}
            Gradient checkpointing
          </label>
        </div>
        <div className="pool-settings">
          <NumberField id={ids.tokens} label="Tokens (millions)" testId="finetune-tokens" min={0} value={tokensM} onChange={setTokensM} />
          <label htmlFor={ids.gpu}>GPU</label>
          <select id={ids.gpu} data-testid="finetune-gpu" value={gpu} onChange={(e) => setGpu(e.target.value)}>
            <option value="">This machine&apos;s</option>
            {presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.vramBytes !== null ? formatBytes(p.vramBytes) : 'shared memory'})
              </option>
            ))}
          </select>
          <NumberField
            id={ids.efficiency}
            label="Efficiency %"
            testId="finetune-efficiency"
            min={1}
            max={100}
            value={efficiency}
            onChange={setEfficiency}
          />
          <NumberField
            id={ids.price}
            label="Price per GPU-hour"
            testId="finetune-price"
            min={0}
            value={pricePerGpuHour}
            onChange={setPricePerGpuHour}
          />
          <NumberField id={ids.kwh} label="or per kWh" testId="finetune-kwh" min={0} value={pricePerKwh} onChange={setPricePerKwh} />
          <button type="submit" data-testid="finetune-run" disabled={!valid} aria-busy={busy} aria-describedby={ids.invalid}>
            {busy ? 'Sizing…' : 'Size it'}
          </button>
        </div>
        <p id={ids.invalid} className="muted" data-testid="finetune-invalid">
          {invalid}
        </p>
      </form>
      {error && (
        <p role="alert" className="warn">
          {error}
        </p>
      )}
      {result && (
        <>
          <FinetuneTable result={result} />
          {result.notes.length > 0 && (
            <ul className="muted" data-testid="finetune-notes">
              {result.notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
