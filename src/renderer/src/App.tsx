import { contextForTask, defaultScale } from '../../shared/ladder';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { HostApi } from '../../shared/api';
import { DEFAULT_CONTEXT_TOKENS } from '../../shared/defaults';
import type { KvType } from '../../shared/precision';
import type { Report, ReportRow, WhatIf } from '../../shared/schema';
import { Controls, type Filters } from './Controls';
import { Details } from './Details';
import { HardwareCard } from './HardwareCard';
import { Ladder, type LadderChoice } from './Ladder';
import { LocalFiles } from './LocalFiles';
import { BenchPanel } from './BenchPanel';
import { Calibrate } from './Calibrate';
import { Matrix } from './Matrix';
import { ProfilePicker } from './ProfilePicker';
import { ComparePanel } from './ComparePanel';
import { PoolPanel } from './PoolPanel';
import { FinetunePanel } from './FinetunePanel';

export interface Settings {
  contextTokens: number;
  kvType: KvType;
  whatIf: WhatIf | null;
  files: string[];
  /** A saved profile the report sizes for, or null for this machine. */
  profile: string | null;
  /** The ladder's task and priority (the host's defaults until the user picks). */
  ladder?: LadderChoice;
}

const FILES_KEY = 'rightsize.files';
function savedFiles(): string[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(FILES_KEY) ?? '[]');
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').slice(0, 32) : [];
  } catch {
    return [];
  }
}

export function App({ host }: { host: HostApi }): React.JSX.Element {
  const [settings, setSettings] = useState<Settings>({
    contextTokens: DEFAULT_CONTEXT_TOKENS,
    kvType: 'f16',
    whatIf: null,
    files: savedFiles(),
    profile: null,
  });
  const [filters, setFilters] = useState<Filters>({ family: 'all', minParamsB: 0, maxParamsB: Infinity, text: '', ratedOnly: false });
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<{ modelId: string; quant: string } | null>(null);
  // A report is asked for each (settings, reloads) pair; calibration and node-llama-cpp's late answer bump reloads.
  const [reloads, setReloads] = useState(0);
  const request = useMemo(() => ({ settings, reloads }), [settings, reloads]);
  const [answered, setAnswered] = useState<typeof request | null>(null);
  const loading = answered !== request;
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const [comparing, setComparing] = useState(false);
  const [pooling, setPooling] = useState(false);
  const [finetuning, setFinetuning] = useState(false);

  useEffect(() => {
    let superseded = false;
    const s = request.settings;
    host
      .getReport({
        contextTokens: s.contextTokens,
        kvType: s.kvType,
        files: s.files,
        ...(s.whatIf ? { whatIf: s.whatIf } : {}),
        ...(s.profile ? { profile: s.profile } : {}),
        ...(s.ladder
          ? {
              task: s.ladder.task,
              priority: s.ladder.priority,
              ...(s.ladder.benchmark !== undefined ? { benchmark: s.ladder.benchmark } : {}),
              ...(s.ladder.minTokPerSec !== undefined ? { minTokPerSec: s.ladder.minTokPerSec } : {}),
            }
          : {}),
      })
      .then((r) => {
        if (superseded) return;
        setReport(r);
        setError(null);
      })
      .catch((e: unknown) => {
        if (!superseded) setError((e as Error).message);
      })
      .finally(() => {
        if (!superseded) setAnswered(request);
      });
    return () => {
      superseded = true;
    };
  }, [host, request]);
  // node-llama-cpp's answer can land after the first report (its first run on this machine): read again.
  useEffect(
    () =>
      host.onEvent((event) => {
        if (event.type === 'hardware' && event.phase === 'refreshed') reload();
        // A finished benchmark's speed replaces its row's estimate and corrects the rows placed alike.
        if (event.type === 'run' && event.run.kind === 'bench' && event.run.state === 'done') reload();
      }),
    [host, reload],
  );

  const families = useMemo(() => [...new Set(report?.rows.map((r) => r.family) ?? [])].sort(), [report]);
  const rows = useMemo(() => {
    if (!report) return [];
    const text = filters.text.trim().toLowerCase();
    return report.rows.filter(
      (r) =>
        r.origin === 'catalog' &&
        (filters.family === 'all' || r.family === filters.family) &&
        r.paramsB >= filters.minParamsB &&
        r.paramsB <= filters.maxParamsB &&
        (text === '' || r.name.toLowerCase().includes(text)) &&
        (!filters.ratedOnly || report.recommendation.scores[r.modelId] !== undefined),
    );
  }, [report, filters]);
  const selectedRow: ReportRow | null =
    (selected && report?.rows.find((r) => r.modelId === selected.modelId && r.quant === selected.quant)) || null;

  return (
    <div className="app">
      <header className="topbar">
        <h1>rightsize</h1>
        <span className="subtitle">What can I run here: which models, at which precision, how fast</span>
        <ProfilePicker host={host} profile={settings.profile} onProfile={(profile) => setSettings({ ...settings, profile })} />
        <button type="button" data-testid="compare-open" aria-expanded={comparing} onClick={() => setComparing(!comparing)}>
          Compare…
        </button>
        <button type="button" data-testid="pool-open" aria-expanded={pooling} onClick={() => setPooling(!pooling)}>
          Pool machines…
        </button>
        <button type="button" data-testid="finetune-open" aria-expanded={finetuning} onClick={() => setFinetuning(!finetuning)}>
          Fine-tune…
        </button>
        {loading && (
          <span className="busy" role="status">
            updating…
          </span>
        )}
      </header>
      {comparing && (
        <ComparePanel
          host={host}
          contextTokens={settings.contextTokens}
          kvType={settings.kvType}
          ladder={settings.ladder}
          onClose={() => setComparing(false)}
        />
      )}
      {pooling && (
        <PoolPanel
          host={host}
          rows={report?.rows ?? []}
          contextTokens={settings.contextTokens}
          kvType={settings.kvType}
          onClose={() => setPooling(false)}
        />
      )}
      {finetuning && (
        <FinetunePanel host={host} rows={report?.rows ?? []} profile={settings.profile ?? undefined} onClose={() => setFinetuning(false)} />
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {!report && !error && (
        <div className="loading" role="status">
          Detecting hardware…
        </div>
      )}
      {report && (
        <main className="main">
          <section className="cards">
            <HardwareCard report={report}>
              <Calibrate host={host} calibration={report.calibration} whatIf={report.hardware.whatIf} onDone={reload} />
            </HardwareCard>
            <Ladder
              host={host}
              report={report}
              onPick={(modelId, quant) => setSelected({ modelId, quant })}
              onChoose={(ladder) =>
                setSettings({
                  ...settings,
                  ladder,
                  contextTokens: contextForTask(settings.ladder?.task ?? report.recommendation.task, ladder.task, settings.contextTokens),
                })
              }
              choice={settings.ladder}
            />
          </section>
          <Controls settings={settings} onSettings={setSettings} filters={filters} onFilters={setFilters} families={families} />
          <LocalFiles
            files={settings.files}
            rows={report.rows.filter((r) => r.origin === 'file')}
            problems={report.fileProblems}
            onFiles={(files) => {
              localStorage.setItem(FILES_KEY, JSON.stringify(files));
              setSettings({ ...settings, files });
            }}
            onSelect={(modelId, quant) => setSelected({ modelId, quant })}
          />
          <div className="content">
            <Matrix
              rows={rows}
              selected={selected}
              onSelect={(modelId, quant) => setSelected({ modelId, quant })}
              scores={{
                benchmark: report.recommendation.benchmark ?? defaultScale(report.recommendation.task).benchmark,
                byModel: report.recommendation.scores,
              }}
            />
            {selectedRow && (
              <Details host={host} row={selectedRow} report={report} whatIf={settings.whatIf} onClose={() => setSelected(null)} />
            )}
          </div>
          {/* Only files that were read as GGUF are offered for a benchmark. */}
          <BenchPanel host={host} files={report.rows.flatMap((r) => (r.origin === 'file' && r.filePath ? [r.filePath] : []))} />
        </main>
      )}
    </div>
  );
}
