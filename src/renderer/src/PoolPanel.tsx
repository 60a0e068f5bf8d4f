// "Pool machines…": one catalog model split over 2 to 4 machines (this one and saved profiles) with
// llama.cpp's RPC backend, over a chosen link: memory per node, speed, and the commands to run it.
import { useId, useMemo, useState } from 'react';
import type { HostApi } from '../../shared/api';
import { PRECISIONS, type KvType, type Precision } from '../../shared/precision';
import { LINK_NAMES, MAX_COMPARED, MIN_COMPARED, THIS_MACHINE, type PoolResult, type ReportRow } from '../../shared/schema';
import { PoolResultView } from './PoolResult';
import { catalogModels } from './reportRows';
import { useAsk } from './useAsk';
import { useProfileNames } from './useProfileNames';

type LinkName = (typeof LINK_NAMES)[number];
const DEFAULT_QUANT: Precision = 'Q4_K_M';

export function PoolPanel({
  host,
  rows,
  contextTokens,
  kvType,
  onClose,
}: {
  host: HostApi;
  /** The report's rows: the catalog models offered. */
  rows: readonly ReportRow[];
  contextTokens: number;
  kvType: KvType;
  onClose: () => void;
}): React.JSX.Element {
  const headingId = useId();
  const modelId = useId();
  const quantId = useId();
  const linkId = useId();
  const { names, loadError } = useProfileNames(host);
  const [chosen, setChosen] = useState<string[]>([THIS_MACHINE]);
  const models = useMemo(() => catalogModels(rows), [rows]);
  const [model, setModel] = useState('');
  const [quant, setQuant] = useState<Precision>(DEFAULT_QUANT);
  const [link, setLink] = useState<LinkName>('1GbE');
  const { result, error, busy, ask } = useAsk<PoolResult>();

  const chosenModel = model || models[0]?.id || '';
  const toggle = (name: string, on: boolean): void =>
    setChosen((now) => (on ? [...now.filter((n) => n !== name), name] : now.filter((n) => n !== name)));
  const valid = chosen.length >= MIN_COMPARED && chosen.length <= MAX_COMPARED && chosenModel !== '';
  const run = (event: React.FormEvent): void => {
    event.preventDefault();
    // As in the compare panel: the button stays enabled while busy so focus stays; a second press waits.
    if (valid) ask(() => host.planPool({ profiles: chosen, model: chosenModel, quant, contextTokens, kvType, link }));
  };
  const options = [{ value: THIS_MACHINE, label: 'This machine' }, ...names.map((n) => ({ value: n, label: n }))];
  const labelOf = (value: string): string => options.find((o) => o.value === value)?.label ?? value;

  return (
    <section
      className="card compare pool"
      aria-labelledby={headingId}
      data-testid="pool-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <button type="button" className="close" aria-label="Close the pool plan" onClick={onClose}>
        ×
      </button>
      <h2 id={headingId}>Pool machines</h2>
      <form onSubmit={run}>
        <fieldset className="compare-pick">
          <legend>
            Pick {MIN_COMPARED} to {MAX_COMPARED}, the head first{' '}
            <span className="muted">
              (
              {chosen.length > 0
                ? `order: ${chosen.map(labelOf).join(' → ')}`
                : 'save profiles with “Save this machine…” or “Plan a machine…”'}
              )
            </span>
          </legend>
          {options.map(({ value, label }) => (
            <label key={value}>
              <input
                type="checkbox"
                data-testid={`pool-pick-${label}`}
                checked={chosen.includes(value)}
                disabled={!chosen.includes(value) && chosen.length >= MAX_COMPARED}
                onChange={(e) => toggle(value, e.target.checked)}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
        <div className="pool-settings">
          <label htmlFor={modelId}>Model</label>
          <select id={modelId} data-testid="pool-model" value={chosenModel} onChange={(e) => setModel(e.target.value)}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
          <label htmlFor={quantId}>Precision</label>
          <select id={quantId} data-testid="pool-quant" value={quant} onChange={(e) => setQuant(e.target.value as Precision)}>
            {PRECISIONS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
          <label htmlFor={linkId}>Link</label>
          <select id={linkId} data-testid="pool-link" value={link} onChange={(e) => setLink(e.target.value as LinkName)}>
            {LINK_NAMES.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
          <button type="submit" data-testid="pool-run" disabled={!valid} aria-busy={busy}>
            {busy ? 'Planning…' : 'Plan the pool'}
          </button>
        </div>
      </form>
      {(error ?? loadError) && (
        <p role="alert" className="warn">
          {error ?? loadError}
        </p>
      )}
      {result && <PoolResultView result={result} />}
    </section>
  );
}
