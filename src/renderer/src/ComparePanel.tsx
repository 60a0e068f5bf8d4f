// "Compare…": pick 2 to 4 machines (this one and saved profiles) and see them side by side: hardware,
// the start-small ladder, and each model at the best precision it runs at reading speed on each.
import { useId, useState } from 'react';
import type { HostApi } from '../../shared/api';
import { fitShortLabel } from '../../shared/fit-words';
import { LADDER_STEPS, ladderTitle, type Priority, type Task } from '../../shared/ladder';
import type { KvType } from '../../shared/precision';
import { MAX_COMPARED, MIN_COMPARED, THIS_MACHINE, type CompareResult, type ComparedMachine } from '../../shared/schema';
import { formatBytes, formatContext, formatTokPerSec, formatWait } from '../../shared/units';
import { useAsk } from './useAsk';
import { useProfileNames } from './useProfileNames';

const gpusText = (m: ComparedMachine): string =>
  m.hardware.gpus.length ? m.hardware.gpus.map((g) => `${g.name} (${formatBytes(g.vramBytes)})`).join(', ') : 'none';

function SectionRow({ title, span }: { title: string; span: number }): React.JSX.Element {
  return (
    <tr className="group">
      <th scope="colgroup" colSpan={span}>
        {title}
      </th>
    </tr>
  );
}

function CompareTable({ result }: { result: CompareResult }): React.JSX.Element {
  const { machines, settings } = result;
  const span = machines.length + 1;
  const running = result.models.filter((m) => m.best.length > 0);
  const hardwareRows: Array<[string, (m: ComparedMachine) => string]> = [
    ['GPUs', gpusText],
    ['RAM', (m) => formatBytes(m.hardware.ramBytes)],
    ['CPU', (m) => m.hardware.cpu],
    ['Calibrated', (m) => (m.hardware.calibrated ? 'yes' : 'no (speeds from bandwidth)')],
  ];
  return (
    <div className="matrix-wrap">
      <table className="compare-table" data-testid="compare-table">
        <caption>
          {machines.map((m) => m.name).join(' vs ')}: {formatContext(settings.contextTokens)} context, {settings.kvType} KV. Each model at
          the best precision that runs at {result.minTokPerSec} tok/s or more; ★ marks the machine that runs it best.
        </caption>
        <thead>
          <tr>
            <td />
            {machines.map((m) => (
              <th key={m.name} scope="col">
                {m.name}
                {m.hardware.whatIf && <span className="tag tag-whatif">what-if</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <SectionRow title="Hardware" span={span} />
          {hardwareRows.map(([label, text]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              {machines.map((m) => (
                <td key={m.name}>{text(m)}</td>
              ))}
            </tr>
          ))}
          <SectionRow title={`Start small, scale up${machines[0] ? `: ${ladderTitle(machines[0].recommendation)}` : ''}`} span={span} />
          {LADDER_STEPS.map(({ key, label }) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              {machines.map((m) => {
                const step = m.recommendation[key];
                return (
                  <td key={m.name}>
                    {step ? (
                      <>
                        <strong>{step.name}</strong> <span className="quant">{step.quant}</span>{' '}
                        <span className={`fit fit-${step.fit}`}>{fitShortLabel(step.fit)}</span> ~{formatTokPerSec(step.tokPerSec)} tok/s
                        {step.fullPromptSeconds !== undefined ? (
                          <span className="muted"> · full prompt ~{formatWait(step.fullPromptSeconds)}</span>
                        ) : null}
                      </>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
          <SectionRow title={`Models (${running.length} of ${result.models.length} run on at least one)`} span={span} />
          {running.map((model) => (
            <tr key={model.modelId}>
              <th scope="row">
                {model.name} <span className="muted">{model.paramsB}B</span>
              </th>
              {model.cells.map((cell, i) => {
                const best = model.best.includes(i);
                return (
                  <td key={machines[i]?.name ?? i} className={best ? 'best' : undefined}>
                    {cell ? (
                      <>
                        {best && (
                          <span className="best-mark" title="Runs it best">
                            ★ <span className="sr-only">best: </span>
                          </span>
                        )}
                        <span className="quant">{cell.quant}</span>{' '}
                        <span className={`fit fit-${cell.fit}`}>{fitShortLabel(cell.fit, cell.gpuLayers, cell.totalLayers)}</span>{' '}
                        {formatBytes(cell.totalBytes)} · ~{formatTokPerSec(cell.tokPerSec)} tok/s
                      </>
                    ) : (
                      <span className="muted">does not run</span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ComparePanel({
  host,
  contextTokens,
  kvType,
  ladder,
  onClose,
}: {
  host: HostApi;
  contextTokens: number;
  kvType: KvType;
  /** The ladder chosen on the main screen: each machine gets the same one. */
  ladder?: { task: Task; priority: Priority; benchmark?: string; minTokPerSec?: number } | undefined;
  onClose: () => void;
}): React.JSX.Element {
  const headingId = useId();
  const { names, loadError } = useProfileNames(host);
  const [chosen, setChosen] = useState<string[]>([THIS_MACHINE]);
  const { result, error, busy, ask } = useAsk<CompareResult>();

  const toggle = (name: string, on: boolean): void =>
    setChosen((now) => (on ? [...now.filter((n) => n !== name), name] : now.filter((n) => n !== name)));
  const valid = chosen.length >= MIN_COMPARED && chosen.length <= MAX_COMPARED;
  const compare = (event: React.FormEvent): void => {
    event.preventDefault();
    // The button stays enabled while busy so focus (and Escape) stays in the panel; a second press waits.
    if (valid) ask(() => host.compareProfiles({ profiles: chosen, contextTokens, kvType, ...(ladder ?? {}) }));
  };
  const options = [{ value: THIS_MACHINE, label: 'This machine' }, ...names.map((n) => ({ value: n, label: n }))];

  return (
    <section
      className="card compare"
      aria-labelledby={headingId}
      data-testid="compare-panel"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <button type="button" className="close" aria-label="Close the comparison" onClick={onClose}>
        ×
      </button>
      <h2 id={headingId}>Compare machines</h2>
      <form onSubmit={compare}>
        <fieldset className="compare-pick">
          <legend>
            Pick {MIN_COMPARED} to {MAX_COMPARED}{' '}
            <span className="muted">
              ({names.length === 0 ? 'save profiles with “Save this machine…” or `rightsize profiles save`' : `${chosen.length} picked`})
            </span>
          </legend>
          {options.map(({ value, label }) => (
            <label key={value}>
              <input
                type="checkbox"
                data-testid={`compare-pick-${label}`}
                checked={chosen.includes(value)}
                disabled={!chosen.includes(value) && chosen.length >= MAX_COMPARED}
                onChange={(e) => toggle(value, e.target.checked)}
              />{' '}
              {label}
            </label>
          ))}
          <button type="submit" data-testid="compare-run" disabled={!valid} aria-busy={busy}>
            {busy ? 'Comparing…' : 'Compare'}
          </button>
        </fieldset>
      </form>
      {(error ?? loadError) && (
        <p role="alert" className="warn">
          {error ?? loadError}
        </p>
      )}
      {result && <CompareTable result={result} />}
    </section>
  );
}
