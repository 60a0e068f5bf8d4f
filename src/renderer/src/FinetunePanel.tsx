// "Fine-tune…": full fine-tuning, LoRA or QLoRA of one catalog model: memory by part with and
// without gradient checkpointing, whether it fits this machine (or the chosen profile), and on a
// GPU preset: how many, how long, energy and cost. Every figure shows how it was computed.
import { useEffect, useId, useMemo, useState } from 'react';
import type { HostApi, HostApiInput } from '../../shared/api';
import { FINETUNE_METHODS, type FigureValue, type FinetuneResult, type PresetList, type ReportRow } from '../../shared/schema';
import { formatBytes } from '../../shared/units';

type Method = (typeof FINETUNE_METHODS)[number];
const METHOD_LABELS: Record<Method, string> = { full: 'Full fine-tuning', lora: 'LoRA (bf16 weights)', qlora: 'QLoRA (4-bit NF4 weights)' };
const SEQ_CHOICES = [512, 1024, 2048, 4096, 8192, 16384, 32768];
const RANK_CHOICES = [4, 8, 16, 32, 64, 128, 256];
/** The pool panel's select look, for the number fields too (the stylesheet styles selects there). */
const FIELD_STYLE: React.CSSProperties = {
  font: 'inherit',
  fontSize: 13,
  color: 'var(--text)',
  background: 'var(--panel)',
  border: '1px solid var(--border)',
  borderRadius: 5,
  padding: '3px 6px',
  width: 90,
};

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

/** A number field that is empty (not given) or a positive number. */
function numberOrUndefined(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
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
  };
  const models = useMemo(() => {
    const seen = new Map<string, { id: string; label: string }>();
    for (const r of rows)
      if (r.origin === 'catalog' && !seen.has(r.modelId)) seen.set(r.modelId, { id: r.modelId, label: `${r.name} (${r.paramsB}B)` });
    return [...seen.values()];
  }, [rows]);
  const [presets, setPresets] = useState<PresetList['gpus']>([]);
  const [model, setModel] = useState('');
  const [method, setMethod] = useState<Method>('qlora');
  const [seq, setSeq] = useState(2048);
  const [batch, setBatch] = useState('1');
  const [rank, setRank] = useState(16);
  const [tokensM, setTokensM] = useState('100');
  const [gpu, setGpu] = useState('');
  const [efficiency, setEfficiency] = useState('40');
  const [pricePerGpuHour, setPricePerGpuHour] = useState('');
  const [pricePerKwh, setPricePerKwh] = useState('');
  const [checkpointing, setCheckpointing] = useState(true);
  const [result, setResult] = useState<FinetuneResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let gone = false;
    host.listPresets({}).then(
      (list) => {
        if (!gone) setPresets(list.gpus.filter((g) => g.vramBytes !== null && !g.integrated));
      },
      (e: unknown) => {
        if (!gone) setError((e as Error).message);
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
  const valid = chosenModel !== '' && Number.isInteger(batchN) && batchN >= 1 && tokens > 0 && eff > 0 && eff <= 1;
  const run = (event: React.FormEvent): void => {
    event.preventDefault();
    // As in the compare and pool panels: the button stays enabled while busy so focus stays.
    if (!valid || busy) return;
    setBusy(true);
    const gpuHour = numberOrUndefined(pricePerGpuHour);
    const kwh = numberOrUndefined(pricePerKwh);
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
    host
      .sizeFinetune(request)
      .then(
        (answer) => {
          setResult(answer);
          setError(null);
        },
        (e: unknown) => setError((e as Error).message),
      )
      .finally(() => setBusy(false));
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
          <label htmlFor={ids.batch}>Batch</label>
          <input
            id={ids.batch}
            data-testid="finetune-batch"
            type="number"
            min={1}
            step={1}
            style={FIELD_STYLE}
            value={batch}
            onChange={(e) => setBatch(e.target.value)}
          />
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
          <label htmlFor={ids.tokens}>Tokens (millions)</label>
          <input
            id={ids.tokens}
            data-testid="finetune-tokens"
            type="number"
            min={0}
            step="any"
            style={FIELD_STYLE}
            value={tokensM}
            onChange={(e) => setTokensM(e.target.value)}
          />
          <label htmlFor={ids.gpu}>GPU</label>
          <select id={ids.gpu} data-testid="finetune-gpu" value={gpu} onChange={(e) => setGpu(e.target.value)}>
            <option value="">This machine&apos;s</option>
            {presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({formatBytes(p.vramBytes)})
              </option>
            ))}
          </select>
          <label htmlFor={ids.efficiency}>Efficiency %</label>
          <input
            id={ids.efficiency}
            data-testid="finetune-efficiency"
            type="number"
            min={1}
            max={100}
            step="any"
            style={FIELD_STYLE}
            value={efficiency}
            onChange={(e) => setEfficiency(e.target.value)}
          />
          <label htmlFor={ids.price}>Price per GPU-hour</label>
          <input
            id={ids.price}
            data-testid="finetune-price"
            type="number"
            min={0}
            step="any"
            style={FIELD_STYLE}
            value={pricePerGpuHour}
            onChange={(e) => setPricePerGpuHour(e.target.value)}
          />
          <label htmlFor={ids.kwh}>or per kWh</label>
          <input
            id={ids.kwh}
            data-testid="finetune-kwh"
            type="number"
            min={0}
            step="any"
            style={FIELD_STYLE}
            value={pricePerKwh}
            onChange={(e) => setPricePerKwh(e.target.value)}
          />
          <button type="submit" data-testid="finetune-run" disabled={!valid} aria-busy={busy}>
            {busy ? 'Sizing…' : 'Size it'}
          </button>
        </div>
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
