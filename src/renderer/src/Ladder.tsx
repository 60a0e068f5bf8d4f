import { useId } from 'react';
import type { HostApi } from '../../shared/api';
import { fitShortLabel } from '../../shared/fit-words';
import {
  DEFAULT_MIN_TOK_PER_SEC,
  emptyStepText,
  LADDER_STEPS,
  PRIORITIES,
  QUANT_COST_SOURCE,
  scaleOf,
  TASK_SCALES,
  TASKS,
  type Priority,
  type Task,
} from '../../shared/ladder';
import type { LadderStep, Report, ReportRow } from '../../shared/schema';
import { formatBytes, formatContext, formatTokPerSec, formatWait } from '../../shared/units';
import { describeSource } from './format';
import { speedMark, speedWord } from '../../shared/source-words';
import { Prose } from './Prose';
import { benchLayersOf } from './reportRows';
import { useRun } from './useRun';

/** The step's placement as llama.cpp takes it: all on the GPU, k/N layers (-ngl k), or the CPU. */
function placement(step: LadderStep): string {
  const short = fitShortLabel(step.fit, step.gpuLayers, step.totalLayers, step.cpuMoeLayers);
  if (step.cpuMoeLayers) return `${short}: -ngl ${step.gpuLayers} --n-cpu-moe ${step.cpuMoeLayers}`;
  return step.fit === 'partial' ? `${short} layers, -ngl ${step.gpuLayers}` : short;
}

const fileName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

/** The GGUF files on this machine that are copies of the step's model: the step's precision first. */
function filesOf(step: LadderStep, rows: readonly ReportRow[]): ReportRow[] {
  const files = rows.filter((r) => r.origin === 'file' && r.filePath && r.catalogId === step.modelId);
  return [...files.filter((r) => r.quant === step.quant), ...files.filter((r) => r.quant !== step.quant)];
}

/**
 * The step's speed as the report now has it: a run of a file at the step's precision (measured),
 * else the step's own row, corrected by the runs on this machine or estimated.
 */
function stepSpeed(step: LadderStep, rows: readonly ReportRow[], files: readonly ReportRow[]): { text: string; title: string } | null {
  const measured = files.find((f) => f.quant === step.quant && f.speedSource.kind === 'measured' && f.tokPerSec !== null);
  if (measured && measured.tokPerSec !== null)
    return {
      text: `${formatTokPerSec(measured.tokPerSec)} tok/s${speedMark(measured.speedSource)}`,
      title: `Measured on ${fileName(measured.filePath ?? '')}: ${describeSource(measured.speedSource)}`,
    };
  if (step.tokPerSec === null) return null;
  const row = rows.find((r) => r.origin === 'catalog' && r.modelId === step.modelId && r.quant === step.quant);
  return {
    text: `~${formatTokPerSec(step.tokPerSec)} tok/s${row ? speedMark(row.speedSource) : ''}`,
    title: row ? `${speedWord(row.speedSource)}: ${describeSource(row.speedSource)}` : 'estimated',
  };
}

/** Benchmark it (when the model is on this machine) and How to run it, under one step. */
function StepActions({
  host,
  step,
  files,
  onPick,
}: {
  host: HostApi;
  step: LadderStep;
  files: readonly ReportRow[];
  onPick: (modelId: string, quant: string) => void;
}): React.JSX.Element {
  // The host reloads the report when a benchmark finishes, and the step then shows the measured speed.
  const { run, error, start, cancel } = useRun(host);
  const file = files[0];
  const running = run?.state === 'running';
  return (
    <div className="bench-run" data-testid="ladder-actions">
      <button type="button" onClick={() => onPick(step.modelId, step.quant)} aria-label={`How to run it: ${step.name} at ${step.quant}`}>
        How to run it
      </button>
      {file?.filePath ? (
        <>
          <button
            type="button"
            data-testid="ladder-bench"
            disabled={running}
            aria-label={`Benchmark it: ${fileName(file.filePath)}`}
            title={file.filePath}
            onClick={() => start(() => host.startBench({ model: file.filePath as string, gpuLayers: benchLayersOf(file) }))}
          >
            Benchmark it
          </button>
          <span className="muted">
            {fileName(file.filePath)}
            {file.quant !== step.quant ? ` (${file.quant})` : ''}
          </span>
        </>
      ) : (
        <span className="muted" data-testid="ladder-not-here">
          {step.fetch ? (
            <>
              Not on this machine: <code>llama-cli -hf {step.fetch.hf}</code> fetches it where rightsize looks
              {step.fetch.ollama ? (
                <>
                  {' '}
                  (or <code>ollama pull {step.fetch.ollama}</code>)
                </>
              ) : null}
              ; then benchmark it here.
            </>
          ) : (
            <>
              Not on this machine: add a GGUF of it or <code>ollama pull</code> it, then benchmark it here.
            </>
          )}
        </span>
      )}
      {run ? (
        <span className="bench-run" data-testid="ladder-bench-state" data-state={run.state}>
          <progress max={1} value={run.progress.fraction} aria-label={`Benchmark of ${step.name}`} />
          <span role="status">
            {run.state === 'running'
              ? run.progress.message
              : run.state === 'done'
                ? 'done'
                : run.state === 'cancelled'
                  ? 'cancelled'
                  : `${run.state}: ${run.error ?? ''}`}
          </span>
          {running ? (
            <button type="button" data-testid="ladder-bench-cancel" onClick={cancel}>
              Cancel
            </button>
          ) : null}
        </span>
      ) : null}
      {error ? <span className="warn">{error}</span> : null}
    </div>
  );
}

export interface LadderChoice {
  task: Task;
  priority: Priority;
  /** Which of the task's benchmarks judges the models (absent: the task's default). */
  benchmark?: string;
  /** The slowest generation a rung may have (absent: the priority's default). */
  minTokPerSec?: number;
}

/** Minimum speeds offered: a slow reader's 2 tok/s (the ceiling's floor) to a fast agent loop's 50. */
const MIN_SPEEDS = [2, 5, 10, 20, 30, 50] as const;

export function Ladder({
  host,
  report,
  onPick,
  onChoose,
  choice,
}: {
  host: HostApi;
  report: Report;
  onPick: (modelId: string, quant: string) => void;
  /** Where given, the task and the priority can be changed here; the host asks getReport again with them. */
  onChoose?: (choice: LadderChoice) => void;
  /** The choice last made, which the report may not show yet: a second change builds on it, not on the old report. */
  choice?: LadderChoice | undefined;
}): React.JSX.Element {
  const r = report.recommendation;
  const scales = TASK_SCALES[r.task].scales;
  const bench = scaleOf(r.task, r.benchmark) ?? scales[0];
  const current: LadderChoice = choice ?? { task: r.task, priority: r.priority, ...(r.benchmark ? { benchmark: r.benchmark } : {}) };
  const currentScales = TASK_SCALES[current.task].scales;
  // A benchmark the user chose stays chosen when the priority changes; a new task starts on its default. A minimum speed
  // the user chose stays through every change.
  const speed = current.minTokPerSec !== undefined ? { minTokPerSec: current.minTokPerSec } : {};
  const chosen = { ...(current.benchmark !== undefined ? { benchmark: current.benchmark } : {}), ...speed };
  const idPrefix = useId();
  return (
    <div className="card" data-testid="ladder">
      <h2>
        Start small, scale up{' '}
        <span className="muted">
          {r.task} ({bench.benchmark}) · {r.priority} · {r.minTokPerSec ?? '?'}+ tok/s · {formatContext(report.settings.contextTokens)}{' '}
          context · {report.settings.kvType} KV
        </span>
      </h2>
      {onChoose ? (
        <p>
          <label>
            Task{' '}
            <select value={current.task} onChange={(e) => onChoose({ task: e.target.value as Task, priority: current.priority, ...speed })}>
              {TASKS.map((t) => (
                <option key={t} value={t}>
                  {t} ({TASK_SCALES[t].scales.map((x) => x.benchmark).join(' / ')})
                </option>
              ))}
            </select>
          </label>{' '}
          {currentScales.length > 1 ? (
            <>
              <label title={(scaleOf(current.task, current.benchmark) ?? currentScales[0]).about}>
                Judged by{' '}
                <select
                  value={current.benchmark ?? currentScales[0].benchmark}
                  onChange={(e) => onChoose({ task: current.task, priority: current.priority, benchmark: e.target.value, ...speed })}
                >
                  {currentScales.map((x) => (
                    <option key={x.benchmark} value={x.benchmark} title={x.about}>
                      {x.benchmark}
                    </option>
                  ))}
                </select>
              </label>{' '}
            </>
          ) : null}
          <label>
            Priority{' '}
            <select
              value={current.priority}
              onChange={(e) => onChoose({ task: current.task, priority: e.target.value as Priority, ...chosen })}
            >
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>{' '}
          <label title="The slowest generation a rung may have: about 10 tok/s is reading speed.">
            At least{' '}
            <select
              value={current.minTokPerSec ?? 'default'}
              onChange={(e) => {
                const { minTokPerSec: _dropped, ...rest } = current;
                onChoose(e.target.value === 'default' ? rest : { ...rest, minTokPerSec: Number(e.target.value) });
              }}
            >
              <option value="default">{DEFAULT_MIN_TOK_PER_SEC[current.priority]} tok/s (default)</option>
              {MIN_SPEEDS.map((v) => (
                <option key={v} value={v}>
                  {v} tok/s
                </option>
              ))}
            </select>
          </label>
        </p>
      ) : null}
      {r.bar ? (
        <p className="muted">
          Bar: {r.bar.benchmark} {Math.round(r.bar.score * 10) / 10}
        </p>
      ) : null}
      <ol className="ladder">
        {LADDER_STEPS.map(({ key, label }) => {
          const step = r[key];
          const reasonId = `${idPrefix}-reason-${key}`;
          const files = step ? filesOf(step, report.rows) : [];
          const speed = step ? stepSpeed(step, report.rows, files) : null;
          return (
            <li key={key} data-testid={`ladder-${key}`} data-model={step?.modelId} data-quant={step?.quant}>
              <span className="step-label">{label}</span>
              {step ? (
                <div>
                  <button
                    type="button"
                    className="step"
                    onClick={() => onPick(step.modelId, step.quant)}
                    aria-describedby={reasonId}
                    title={`How to run ${step.name} at ${step.quant}: its memory, speed and commands`}
                  >
                    <strong>{step.name}</strong> <span className="quant">{step.quant}</span>{' '}
                    <span className={`fit fit-${step.fit}`}>{placement(step)}</span>{' '}
                    {speed ? (
                      <span className="speed" data-testid="ladder-speed" title={speed.title}>
                        {speed.text}
                      </span>
                    ) : null}
                    {step.memoryBytes !== undefined ? <span className="muted"> · {formatBytes(step.memoryBytes)}</span> : null}
                    {step.contextTokens !== undefined ? (
                      <span className="muted"> · {formatContext(step.contextTokens)} context</span>
                    ) : null}
                    {step.fullPromptSeconds !== undefined ? (
                      <span
                        className="muted"
                        data-testid="ladder-wait"
                        title="Estimated from this machine's calibrated prompt speed: the time to read a prompt that fills the context before the first token"
                      >
                        {' '}
                        · {`full prompt ~${formatWait(step.fullPromptSeconds)}`.replace(/ /g, '\u00a0')}
                      </span>
                    ) : null}
                    <span className="reason" id={reasonId}>
                      {step.reason}
                    </span>
                  </button>
                  {step.score ? (
                    <p className="muted">
                      {step.score.benchmark} {step.score.score}
                      {step.score.detail ? `: ${step.score.detail}` : ''} ({step.score.date},{' '}
                      <a href={step.score.source} target="_blank" rel="noreferrer">
                        source
                      </a>
                      )
                    </p>
                  ) : null}
                  <StepActions key={`${step.modelId} ${step.quant}`} host={host} step={step} files={files} onPick={onPick} />
                </div>
              ) : (
                <span className="muted">{emptyStepText(key, r)}</span>
              )}
            </li>
          );
        })}
      </ol>
      {r.notes.length > 0 ? (
        <ul className="muted" aria-label="What the ladder could not judge">
          {r.notes.map((note) => (
            <li key={note}>
              <Prose text={note} />
            </li>
          ))}
        </ul>
      ) : null}
      {onChoose && r.elsewhere.length > 0 ? (
        <p>
          {r.elsewhere.map((e) => (
            <button
              key={e.benchmark}
              type="button"
              data-testid="judge-elsewhere"
              onClick={() => onChoose({ task: r.task, priority: r.priority, benchmark: e.benchmark, ...speed })}
            >
              Judge by {e.benchmark}: it rates {e.models} model{e.models === 1 ? '' : 's'} this ladder cannot
            </button>
          ))}
        </p>
      ) : null}
      <p className="muted">
        Precision costs:{' '}
        <a href={QUANT_COST_SOURCE.url} target="_blank" rel="noreferrer">
          {QUANT_COST_SOURCE.detail}
        </a>
      </p>
    </div>
  );
}
