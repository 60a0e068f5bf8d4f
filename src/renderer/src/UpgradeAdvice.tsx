// "What would run this?": upgrade advice for the model a details drawer shows, asked only when the
// user presses the button (sizing every preset is a moment of work the drawer need not wait for).
import { useId, useState } from 'react';
import type { HostApi } from '../../shared/api';
import { fitLabel } from '../../shared/fit-words';
import type { Report, ReportRow, UpgradeAdvice as Advice } from '../../shared/schema';
import { formatBytes, formatTokPerSec } from '../../shared/units';
import { modelRefOf } from './reportRows';

/** The drawer is narrow: the smallest few say what to look at; the CLI and --json list them all. */
const SHOWN_CANDIDATES = 5;

type Candidate = Advice['candidates'][number];

function memoryWords(c: Candidate): string {
  if (c.vramBytes > 0) return `${formatBytes(c.vramBytes)} VRAM + ${formatBytes(c.ramBytes)} RAM`;
  return c.gpuBytes > 0 ? `${formatBytes(c.ramBytes)} shared with the GPU` : `${formatBytes(c.ramBytes)} RAM`;
}

/** The site a price comes from ("pcgamer.com"), with the full address in the title. */
function sourceSite(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

/** A published price, its kind and date in words (not only in a tooltip), and where it comes from. */
function Price({ c, cheapest }: { c: Candidate; cheapest: boolean }): React.JSX.Element {
  if (!c.price) return <span className="muted">Price: none published</span>;
  const { usd, kind, date, source } = c.price;
  return (
    <span data-testid="upgrade-price">
      Price: <strong>${Math.round(usd).toLocaleString('en-US')}</strong>{' '}
      <small className="muted" title={`${kind}, ${date}, ${source}`}>
        ({kind}, {date}, {sourceSite(source)})
      </small>
      {cheapest && ' cheapest with a published price'}
    </span>
  );
}

export function UpgradeAdvice({ host, row, report }: { host: HostApi; row: ReportRow; report: Report }): React.JSX.Element {
  const headingId = useId();
  const [advice, setAdvice] = useState<Advice | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ask = (): void => {
    if (busy) return;
    setBusy(true);
    const model = modelRefOf(row);
    host
      .upgradeAdvice({
        ...model,
        contextTokens: row.contextTokens,
        kvType: report.settings.kvType,
        ...(report.profile !== undefined ? { profile: report.profile } : {}),
      })
      .then(
        (answer) => {
          setAdvice(answer);
          setError(null);
        },
        (e: unknown) => setError((e as Error).message),
      )
      .finally(() => setBusy(false));
  };
  const here = advice?.thisMachine;
  return (
    <section className="upgrade" aria-labelledby={headingId} data-testid="upgrade-advice">
      <h3 id={headingId}>What would run this?</h3>
      <button type="button" className="upgrade-ask" onClick={ask} aria-busy={busy} data-testid="upgrade-ask">
        {busy ? 'Sizing the presets…' : advice ? 'Ask again' : 'What would run this?'}
      </button>
      <div aria-live="polite">
        {error && (
          <p role="alert" className="warn">
            {error}
          </p>
        )}
        {advice && here && (
          <>
            <p>
              At {advice.minTokPerSec} tok/s or more, {advice.model.contextTokens} tokens of context.{' '}
              {advice.profile !== null ? `Profile "${advice.profile}"` : 'This machine'} ({here.hardware}):{' '}
              {here.runs
                ? `runs it (${fitLabel(here.fit, here.gpuLayers, here.totalLayers)}, ~${formatTokPerSec(here.tokPerSec)} tok/s).`
                : `${here.lacks.join('; ')}.`}
            </p>
            {advice.candidates.length === 0 ? (
              <p>None of the {advice.considered} presets runs it that fast.</p>
            ) : (
              <ol className="upgrade-list" data-testid="upgrade-candidates">
                {advice.candidates.slice(0, SHOWN_CANDIDATES).map((c) => (
                  <li key={`${c.kind}-${c.id}`}>
                    <strong>{c.name}</strong> <span className="muted">{memoryWords(c)}</span>
                    <br />
                    {fitLabel(c.fit, c.gpuLayers, c.totalLayers)}, ~{formatTokPerSec(c.tokPerSec)} tok/s
                    <br />
                    <Price c={c} cheapest={c.id === advice.cheapest} />
                  </li>
                ))}
              </ol>
            )}
            <p className="src-detail">
              {advice.candidates.length > SHOWN_CANDIDATES &&
                `${advice.candidates.length - SHOWN_CANDIDATES} more: rightsize upgrade ${advice.model.id}. `}
              {advice.order}
            </p>
          </>
        )}
      </div>
    </section>
  );
}
