import { useEffect, useRef, useState } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BenchRecord } from '../../shared/schema';
import { usableLocale } from './locale';

/** Generation and prompt speed of one model across its benchmark runs (mean per run). */
export function BenchChart({ records }: { records: BenchRecord[] }): React.JSX.Element {
  const el = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const target = el.current;
    if (!target || records.length === 0) return;
    let plot: uPlot | null = null;
    let cancelled = false;
    // Loaded on demand: the chart library reads the browser's locale when it loads, and a locale it
    // cannot parse (e.g. en-US@posix) must cost the chart, never the whole page.
    withUsableLocale(() => import('uplot'))
      .then(({ default: UPlot }) => {
        if (cancelled) return;
        plot = draw(UPlot, target, records);
      })
      .catch((error: unknown) =>
        setProblem(`The chart could not be drawn (${(error as Error).message}); the table above has every figure.`),
      );
    return () => {
      cancelled = true;
      plot?.destroy();
    };
  }, [records]);
  return (
    <>
      <div ref={el} className="bench-chart" data-testid="bench-chart" />
      {problem && <p className="muted">{problem}</p>}
    </>
  );
}

function draw(UPlot: typeof uPlot, target: HTMLDivElement, records: BenchRecord[]): uPlot {
  const xs = records.map((_, i) => i + 1);
  const data: uPlot.AlignedData = [xs, records.map((r) => r.tg.mean), records.map((r) => r.pp.mean)];
  const styles = getComputedStyle(document.documentElement);
  const text = styles.getPropertyValue('--muted').trim() || '#888';
  return new UPlot(
    {
      width: Math.max(320, target.clientWidth),
      height: 200,
      scales: { x: { time: false }, pp: { auto: true } },
      axes: [
        { stroke: text, label: 'run', values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) },
        { stroke: text, label: 'tg t/s', scale: 'y' },
        { stroke: text, label: 'pp t/s', scale: 'pp', side: 1, grid: { show: false } },
      ],
      series: [
        {},
        { label: 'tg (t/s)', stroke: '#1f9d55', width: 2, points: { show: true } },
        { label: 'pp (t/s)', stroke: '#3b6fd8', width: 2, scale: 'pp', points: { show: true } },
      ],
    },
    data,
    target,
  );
}

/** Loads a module that builds number formats from navigator.language as it loads, with a locale Intl accepts. */
async function withUsableLocale<T>(load: () => Promise<T>): Promise<T> {
  const language = typeof navigator === 'undefined' ? 'en-US' : navigator.language;
  const locale = usableLocale(language);
  if (locale === language) return load();
  const Original = Intl.NumberFormat;
  const Patched = function (this: unknown, locales?: string | string[], options?: Intl.NumberFormatOptions) {
    return new Original(locales === language ? locale : locales, options);
  } as unknown as typeof Intl.NumberFormat;
  Intl.NumberFormat = Object.assign(Patched, Original);
  try {
    return await load();
  } finally {
    Intl.NumberFormat = Original;
  }
}
