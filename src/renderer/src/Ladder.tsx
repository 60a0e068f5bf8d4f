import { useId } from 'react';
import { fitShortLabel } from '../../shared/fit-words';
import {
  emptyStepText,
  LADDER_STEPS,
  PRIORITIES,
  QUANT_COST_SOURCE,
  TASK_BENCHMARKS,
  TASKS,
  type Priority,
  type Task,
} from '../../shared/ladder';
import type { LadderStep, Report } from '../../shared/schema';
import { formatBytes, formatContext, formatTokPerSec } from '../../shared/units';

/** The step's placement as llama.cpp takes it: all on the GPU, k/N layers (-ngl k), or the CPU. */
function placement(step: LadderStep): string {
  const short = fitShortLabel(step.fit, step.gpuLayers, step.totalLayers);
  return step.fit === 'partial' ? `${short} layers, -ngl ${step.gpuLayers}` : short;
}

export interface LadderChoice {
  task: Task;
  priority: Priority;
}

export function Ladder({
  report,
  onPick,
  onChoose,
}: {
  report: Report;
  onPick: (modelId: string, quant: string) => void;
  /** Where given, the task and the priority can be changed here; the host asks getReport again with them. */
  onChoose?: (choice: LadderChoice) => void;
}): React.JSX.Element {
  const r = report.recommendation;
  const bench = TASK_BENCHMARKS[r.task];
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
            <select value={r.task} onChange={(e) => onChoose({ task: e.target.value as Task, priority: r.priority })}>
              {TASKS.map((t) => (
                <option key={t} value={t}>
                  {t} ({TASK_BENCHMARKS[t].benchmark})
                </option>
              ))}
            </select>
          </label>{' '}
          <label>
            Priority{' '}
            <select value={r.priority} onChange={(e) => onChoose({ task: r.task, priority: e.target.value as Priority })}>
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {p}
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
          return (
            <li key={key}>
              <span className="step-label">{label}</span>
              {step ? (
                <div>
                  <button
                    type="button"
                    className="step"
                    onClick={() => onPick(step.modelId, step.quant)}
                    aria-describedby={reasonId}
                    title={`Show ${step.name} at ${step.quant} in the fit matrix`}
                  >
                    <strong>{step.name}</strong> <span className="quant">{step.quant}</span>{' '}
                    <span className={`fit fit-${step.fit}`}>{placement(step)}</span>{' '}
                    <span className="speed">~{formatTokPerSec(step.tokPerSec)} tok/s</span>
                    {step.memoryBytes !== undefined ? <span className="muted"> · {formatBytes(step.memoryBytes)}</span> : null}
                    {step.contextTokens !== undefined ? (
                      <span className="muted"> · {formatContext(step.contextTokens)} context</span>
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
            <li key={note}>{note}</li>
          ))}
        </ul>
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
