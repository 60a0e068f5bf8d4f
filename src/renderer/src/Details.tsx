import { modelRefOf } from './reportRows';
import { useEffect, useId, useRef } from 'react';
import { PROMPT_TOKENS } from '../../shared/defaults';
import { contextLimitsText, fitHeadline, loadPeakNote } from '../../shared/fit-words';
import type { HostApi } from '../../shared/api';
import type { Report, ReportRow, WhatIf } from '../../shared/schema';
import { formatBytes, formatTokPerSec, formatWait } from '../../shared/units';
import { describeSource } from './format';
import { largeUbatchText, promptUnknownPredicate, promptWord } from '../../shared/source-words';
import { HowToRun } from './HowToRun';
import { PerGpu } from './PerGpu';
import { PublishedScores } from './PublishedScores';
import { UpgradeAdvice } from './UpgradeAdvice';
import { Prose } from './Prose';
import { useEstimate } from './useEstimate';

/** The drawer a matrix cell, a ladder step or a file opens: a non-modal dialog. */
export function Details({
  host,
  row,
  report,
  whatIf = null,
  onClose,
}: {
  host: HostApi;
  row: ReportRow;
  report: Report;
  /** The what-if the report was built with, for the per-card estimate. */
  whatIf?: WhatIf | null;
  onClose: () => void;
}): React.JSX.Element {
  const drawer = useRef<HTMLElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  // The drawer takes the focus each time it shows another model, so keyboard and screen-reader users
  // land in it; whatever opened it (a matrix cell, a ladder step) gets the focus back on close.
  useEffect(() => {
    const active = document.activeElement;
    if (active instanceof HTMLElement && active !== document.body && !drawer.current?.contains(active)) opener.current = active;
    drawer.current?.focus({ preventScroll: true });
  }, [row.modelId, row.quant]);
  useEffect(() => () => opener.current?.focus({ preventScroll: true }), []);
  const m = row.memory;
  const estimate = useEstimate(host, row, report, whatIf);
  const unknownPrompt = promptUnknownPredicate(row, report.hardware.whatIf);
  const limits = estimate.result?.contextLimits ?? null;
  const peakNote = report.budget.unifiedMemory
    ? null
    : loadPeakNote(m.peakLoadBytes, m.cpuBytes, report.budget.ramBytes, row.fit !== 'none');
  const parts = [
    ['Weights', m.weightsBytes, 'w'],
    ['KV cache', m.kvBytes, 'kv'],
    ['Compute buffers', m.computeBytes, 'c'],
    ['Overhead', m.overheadBytes, 'o'],
  ] as const;
  return (
    <section
      className="details card"
      data-testid="details"
      role="dialog"
      aria-modal="false"
      aria-labelledby={titleId}
      tabIndex={-1}
      ref={drawer}
    >
      <button type="button" className="close" onClick={onClose} aria-label="Close details">
        ×
      </button>
      <h2 id={titleId}>
        {row.name} <span className="quant">{row.quant}</span>
      </h2>
      <p className={`fit-banner fit-${row.fit}`}>
        {fitHeadline(row.fit, row.gpuLayers, row.totalLayers, row.cpuMoeLayers)}
        {row.tokPerSec !== null && ` · ~${formatTokPerSec(row.tokPerSec)} tok/s`}
      </p>
      <p>{row.why}</p>
      <div className="bar" aria-hidden="true">
        {parts.map(([label, bytes, cls]) => (
          <span
            key={label}
            className={`seg seg-${cls}`}
            style={{ width: `${(100 * bytes) / Math.max(1, m.totalBytes)}%` }}
            title={`${label} ${formatBytes(bytes)}`}
          />
        ))}
      </div>
      <table className="breakdown">
        <tbody>
          {parts.map(([label, bytes, cls]) => (
            <tr key={label}>
              <th scope="row">
                <span className={`dot seg-${cls}`} /> {label}
              </th>
              <td>{formatBytes(bytes, 2)}</td>
            </tr>
          ))}
          <tr className="total">
            <th scope="row">Total</th>
            <td>{formatBytes(m.totalBytes, 2)}</td>
          </tr>
          <tr>
            <th scope="row">on the GPU / in RAM</th>
            <td>
              {formatBytes(m.gpuBytes, 2)} / {formatBytes(m.cpuBytes, 2)}
            </td>
          </tr>
          <tr>
            <th scope="row">RAM peak while loading</th>
            <td>{formatBytes(m.peakLoadBytes, 2)}</td>
          </tr>
          {peakNote && (
            <tr>
              <td colSpan={2} className="muted" style={{ textAlign: 'left' }} data-testid="load-peak-note">
                {peakNote}
              </td>
            </tr>
          )}
          {row.promptTokPerSec !== null && (
            <tr>
              <th scope="row">Prompt processing</th>
              <td data-testid="prompt-speed" title={describeSource(row.promptSource)}>
                {row.promptSource?.kind === 'measured' ? '' : '~'}
                {formatTokPerSec(row.promptTokPerSec)} tok/s ({promptWord(row.promptSource)}); a {PROMPT_TOKENS}-token prompt takes ~
                {(PROMPT_TOKENS / row.promptTokPerSec).toFixed(1)} s before the first token
                {row.fullPromptSeconds
                  ? `, one that fills the ${row.contextTokens}-token context ~${formatWait(row.fullPromptSeconds)}`
                  : ''}
              </td>
            </tr>
          )}
          {row.promptTokPerSec !== null && row.largeUbatchPrompt && (
            <tr>
              <th scope="row">Larger batches</th>
              <td className="muted" style={{ textAlign: 'left' }} data-testid="large-ubatch" title={describeSource(row.promptSource)}>
                <Prose text={largeUbatchText(row.largeUbatchPrompt)} />
              </td>
            </tr>
          )}
          {row.promptTokPerSec === null && unknownPrompt && (
            <tr>
              <th scope="row">Prompt processing</th>
              <td className="muted" style={{ textAlign: 'left' }} data-testid="prompt-unknown">
                <Prose text={`The wait before the first token ${unknownPrompt}.`} />
              </td>
            </tr>
          )}
          <tr>
            <th scope="row">Context</th>
            <td>
              {row.contextTokens} tokens, {report.settings.kvType} KV
            </td>
          </tr>
          {limits && (
            <tr>
              <td colSpan={2} className="muted" style={{ textAlign: 'left' }} data-testid="context-limits">
                {contextLimitsText(limits)}
              </td>
            </tr>
          )}
          <tr>
            <th scope="row">Parameters</th>
            <td>
              {row.paramsB}B{row.activeParamsB < row.paramsB * 0.9 ? ` (${row.activeParamsB.toFixed(1)}B active per token)` : ''}
            </td>
          </tr>
        </tbody>
      </table>
      {report.hardware.gpus.length >= 2 && <PerGpu report={report} estimate={estimate} />}
      {estimate.result && (
        <PublishedScores
          scores={estimate.result.model.scores}
          catalogName={row.origin === 'file' ? report.rows.find((r) => r.modelId === estimate.result?.model.catalogId)?.name : undefined}
        />
      )}
      <HowToRun
        host={host}
        {...modelRefOf(row)}
        contextTokens={row.contextTokens}
        kvType={report.settings.kvType}
        {...(report.profile !== undefined ? { profile: report.profile } : {})}
        whatIf={whatIf}
      />
      <UpgradeAdvice key={`${row.modelId} ${row.quant} ${row.contextTokens}`} host={host} row={row} report={report} />
      <h3>Where these figures come from</h3>
      <p className="src-detail">
        <strong>Memory</strong> {describeSource(row.memorySource)}
      </p>
      <p className="src-detail">
        <strong>Speed</strong> {describeSource(row.speedSource)}
      </p>
      {row.promptSource && (
        <p className="src-detail">
          <strong>Prompt</strong> {describeSource(row.promptSource)}
        </p>
      )}
      <p className="src-detail">
        <strong>Budget</strong> {report.budget.explanation}
      </p>
    </section>
  );
}
