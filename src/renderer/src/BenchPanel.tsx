import { useCallback, useEffect, useState } from 'react';
import type { HostApi } from '../../shared/api';
import type { BenchRecord, ModelList } from '../../shared/schema';
import { formatBytes } from '../../shared/units';
import { compareWithLlamaBench, tgMethodNote } from '../../shared/bench-compare';
import { BenchChart } from './BenchChart';
import { useRun } from './useRun';

const PRICE_KEY = 'rightsize.pricePerKwh';

const pm = (mean: number, sd: number): string => `${mean.toFixed(1)} ± ${sd.toFixed(1)}`;

/** One-click benchmark of the GGUF files on this machine, with progress, cancel and history. */
export function BenchPanel({ host, files }: { host: HostApi; files: string[] }): React.JSX.Element {
  const [models, setModels] = useState<ModelList | null>(null);
  const [history, setHistory] = useState<BenchRecord[]>([]);
  const [historyProblem, setHistoryProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [price, setPrice] = useState(() => localStorage.getItem(PRICE_KEY) ?? '');
  const [chartPath, setChartPath] = useState<string | null>(null);
  const [llamaBench, setLlamaBench] = useState<{ path: string | null; problem: string | null }>({ path: null, problem: null });
  const [withLlamaBench, setWithLlamaBench] = useState(false);

  const loadHistory = useCallback(() => {
    host
      .listBenchHistory({})
      .then((h) => {
        setHistory(h.records);
        setHistoryProblem(h.problem);
      })
      .catch((e: unknown) => setError((e as Error).message));
  }, [host]);

  useEffect(() => {
    host
      .listModels({})
      .then(setModels)
      .catch((e: unknown) => setError((e as Error).message));
    host
      .getVersion({})
      .then((v) => setLlamaBench(v.llamaBench))
      .catch(() => undefined);
    loadHistory();
  }, [host, loadHistory]);

  const {
    run,
    error: runError,
    start: startRun,
    cancel,
  } = useRun(host, (ended) => {
    loadHistory();
    if (ended.record) setChartPath(ended.record.model.path);
  });

  const start = (path: string): void => {
    setError(null);
    const pricePerKwh = price.trim() === '' ? null : Number(price);
    if (pricePerKwh !== null && !(pricePerKwh >= 0)) {
      setError('Electricity price: a number per kWh, e.g. 0.30');
      return;
    }
    startRun(() => host.startBench({ model: path, pricePerKwh, withLlamaBench: withLlamaBench && llamaBench.path !== null }));
  };

  const targets = [
    ...(models?.models.map((m) => ({
      path: m.path,
      name: m.ollamaName ?? m.displayName,
      where: m.source,
      bytes: m.bytes as number | null,
    })) ?? []),
    ...files
      .filter((f) => !models?.models.some((m) => m.path === f))
      .map((f) => ({ path: f, name: f.split(/[\\/]/).pop() ?? f, where: 'added', bytes: null })),
  ];
  const running = run?.state === 'running';
  const chartRecords = history.filter((r) => r.model.path === (chartPath ?? history[history.length - 1]?.model.path));

  return (
    <section className="card bench" data-testid="bench">
      <h2>
        Benchmark <span className="muted">llama-bench's pp512 / tg128, 5 repetitions, best thread count for this machine</span>
      </h2>
      {(error ?? runError) && <p className="warn">{error ?? runError}</p>}
      {historyProblem && <p className="warn">{historyProblem}</p>}
      <div className="bench-controls">
        <label>
          Electricity price per kWh{' '}
          <input
            aria-label="Electricity price per kWh"
            inputMode="decimal"
            value={price}
            placeholder="e.g. 0.30"
            onChange={(e) => {
              setPrice(e.target.value);
              localStorage.setItem(PRICE_KEY, e.target.value);
            }}
          />
        </label>
        {llamaBench.path ? (
          <label title={llamaBench.path}>
            <input
              type="checkbox"
              data-testid="with-llama-bench"
              checked={withLlamaBench}
              onChange={(e) => setWithLlamaBench(e.target.checked)}
            />{' '}
            Also run llama.cpp's llama-bench on the same file ({llamaBench.path.split(/[\\/]/).pop()})
          </label>
        ) : (
          <span className="muted" data-testid="no-llama-bench">
            {llamaBench.problem ?? "To compare with llama.cpp's own llama-bench, put it on PATH or set RIGHTSIZE_LLAMA_BENCH."}
          </span>
        )}
      </div>
      {targets.length === 0 && (
        <p className="muted">
          No GGUF files found (LM Studio, Ollama, Hugging Face cache, node-llama-cpp). Add one under "Your GGUF files".
        </p>
      )}
      <table className="bench-targets">
        <tbody>
          {targets.map((t) => (
            <tr key={t.path}>
              <th scope="row" title={t.path}>
                {t.name}
              </th>
              <td className="muted">{t.where}</td>
              <td className="muted">{t.bytes !== null ? formatBytes(t.bytes) : ''}</td>
              <td>
                <button type="button" data-testid="bench-run" disabled={running} onClick={() => start(t.path)}>
                  Run benchmark
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {run && (
        <div className="bench-run" data-testid="bench-state" data-state={run.state}>
          <progress max={1} value={run.progress.fraction} />
          <span>{run.state === 'running' ? run.progress.message : run.state === 'done' ? 'done' : `${run.state}: ${run.error ?? ''}`}</span>
          {running && (
            <button type="button" data-testid="bench-cancel" onClick={cancel}>
              Cancel
            </button>
          )}
          {run.record && (
            <p className="muted" data-testid="bench-tg-method">
              {tgMethodNote(run.record)}.
            </p>
          )}
          {run.record?.llamaBench && <LlamaBenchNote record={run.record} />}
        </div>
      )}
      {history.length > 0 && (
        <>
          <BenchChart records={chartRecords} />
          <table className="bench-history" data-testid="bench-history">
            <thead>
              <tr>
                <th>when</th>
                <th>model</th>
                <th>pp t/s</th>
                <th>tg t/s</th>
                <th>estimated tg</th>
                <th>TTFT</th>
                <th>load</th>
                <th>peak RAM</th>
                <th>threads pp/tg</th>
                <th>energy</th>
                <th>vs llama-bench</th>
              </tr>
            </thead>
            <tbody>
              {[...history]
                .reverse()
                .slice(0, 20)
                .map((r) => (
                  <tr
                    key={r.id}
                    onClick={() => setChartPath(r.model.path)}
                    title={`${r.source.by}: ${r.source.detail ?? ''} on ${r.hardware.cpu}${r.hardware.gpus.length ? ` + ${r.hardware.gpus.join(', ')}` : ''}`}
                  >
                    <td>{new Date(r.at).toLocaleString()}</td>
                    <td>
                      {r.model.name} <span className="quant">{r.model.quant}</span>
                    </td>
                    <td>
                      pp{r.settings.promptTokens} {pm(r.pp.mean, r.pp.sd)}
                    </td>
                    <td title={tgMethodNote(r)}>
                      tg{r.settings.genTokens} {pm(r.tg.mean, r.tg.sd)}
                    </td>
                    <td>
                      {r.predictedTgTokPerSec !== null
                        ? `${r.predictedTgTokPerSec.toFixed(1)} (x${(r.tg.mean / r.predictedTgTokPerSec).toFixed(2)})`
                        : '—'}
                    </td>
                    <td>{r.ttftMs.toFixed(0)} ms</td>
                    <td>{(r.loadMs / 1000).toFixed(2)} s</td>
                    <td>{formatBytes(r.peakRssBytes)}</td>
                    <td>
                      {r.threads.pp}/{r.threads.tg}
                    </td>
                    <td>
                      {r.energy
                        ? `${r.energy.joulesPerToken.toFixed(2)} J/t${r.energy.costPerMillionTokens !== null ? `, ${r.energy.costPerMillionTokens.toFixed(3)}/Mt` : ''}`
                        : 'CPU: n/a'}
                    </td>
                    <td>{llamaBenchCell(r)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

const ratioText = (x: number | null): string => (x === null ? 'n/a' : `x${x.toFixed(2)}`);

function llamaBenchCell(r: BenchRecord): string {
  if (!r.llamaBench) return '—';
  const c = compareWithLlamaBench(r);
  return c ? `pp ${ratioText(c.ppRatio)}, tg ${ratioText(c.tgRatio)}` : 'failed';
}

/** llama-bench's figures for the run just finished, with the cause of any gap. */
function LlamaBenchNote({ record }: { record: BenchRecord }): React.JSX.Element {
  const ref = record.llamaBench;
  const c = compareWithLlamaBench(record);
  if (!ref || !c)
    return (
      <p className="warn" data-testid="llama-bench-compare">
        llama-bench gave no figures: {ref?.error ?? 'unknown error'}
      </p>
    );
  const part = (label: string, s: { mean: number; sd: number; threads: number } | null): string =>
    s ? `${label} ${pm(s.mean, s.sd)} (${s.threads} threads)` : `${label} failed`;
  return (
    <div
      className="llama-bench-compare"
      data-testid="llama-bench-compare"
      title={`${ref.binary}${ref.version ? ` (build ${ref.version})` : ''}`}
    >
      <p>
        llama-bench on the same file: {part(`pp${record.settings.promptTokens}`, ref.pp)}, {part(`tg${record.settings.genTokens}`, ref.tg)}.
        This benchmark / llama-bench: pp {ratioText(c.ppRatio)}, tg {ratioText(c.tgRatio)}.
      </p>
      {c.gaps.length > 0 && (
        <ul>
          {c.gaps.map((g) => (
            <li key={g}>{g}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
