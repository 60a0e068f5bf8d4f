import { fitShortLabel } from '../../shared/fit-words';
import { LADDER_STEPS } from '../../shared/ladder';
import type { Report } from '../../shared/schema';
import { formatContext, formatTokPerSec } from '../../shared/units';

export function Ladder({ report, onPick }: { report: Report; onPick: (modelId: string, quant: string) => void }): React.JSX.Element {
  const r = report.recommendation;
  const steps = LADDER_STEPS.map(({ key, label, none }) => [label, r[key], none] as const);
  return (
    <div className="card" data-testid="ladder">
      <h2>
        Start small, scale up{' '}
        <span className="muted">
          chat · {formatContext(report.settings.contextTokens)} context · {report.settings.kvType} KV
        </span>
      </h2>
      <ol className="ladder">
        {steps.map(([label, step, none]) => (
          <li key={label}>
            <span className="step-label">{label}</span>
            {step ? (
              <button type="button" className="step" onClick={() => onPick(step.modelId, step.quant)} title={step.reason}>
                <strong>{step.name}</strong> <span className="quant">{step.quant}</span>{' '}
                <span className={`fit fit-${step.fit}`}>{fitShortLabel(step.fit)}</span>{' '}
                <span className="speed">~{formatTokPerSec(step.tokPerSec)} tok/s</span>
                <span className="reason">{step.reason}</span>
              </button>
            ) : (
              <span className="muted">{none}</span>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
