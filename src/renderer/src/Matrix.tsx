import { Fragment, useRef, useState } from 'react';
import { FIT_LEGEND, fitShortLabel } from '../../shared/fit-words';
import { PRECISIONS } from '../../shared/precision';
import type { Recommendation, ReportRow } from '../../shared/schema';
import { formatBytes, formatTokPerSec } from '../../shared/units';
import { speedMark, speedWord } from '../../shared/source-words';

const GROUPS: Array<[string, number, number]> = [
  ['Tiny (under 2B)', 0, 2],
  ['Small (2-9B)', 2, 10],
  ['Medium (10-35B)', 10, 36],
  ['Large (36-100B)', 36, 101],
  ['Huge (over 100B)', 101, Infinity],
];

interface CellKey {
  modelId: string;
  quant: string;
}

/**
 * The cell an arrow key leads to from (rowIndex, colIndex), skipping columns a model has no row for;
 * null at the grid's edge. `has(row, col)` says whether that cell exists.
 */
function nextCell(
  key: string,
  ctrlKey: boolean,
  rowIndex: number,
  colIndex: number,
  rowCount: number,
  has: (row: number, col: number) => boolean,
): [number, number] | null {
  const lastCol = PRECISIONS.length - 1;
  const alongRow = (row: number, from: number, step: 1 | -1): [number, number] | null => {
    for (let col = from; col >= 0 && col <= lastCol; col += step) if (has(row, col)) return [row, col];
    return null;
  };
  const alongColumn = (from: number, step: 1 | -1): [number, number] | null => {
    for (let row = from; row >= 0 && row < rowCount; row += step) if (has(row, colIndex)) return [row, colIndex];
    return null;
  };
  const firstFrom = (row: number, step: 1 | -1): [number, number] | null => {
    for (let r = row; r >= 0 && r < rowCount; r += step) {
      const cell = alongRow(r, step === 1 ? 0 : lastCol, step);
      if (cell) return cell;
    }
    return null;
  };
  switch (key) {
    case 'ArrowRight':
      return alongRow(rowIndex, colIndex + 1, 1);
    case 'ArrowLeft':
      return alongRow(rowIndex, colIndex - 1, -1);
    case 'ArrowDown':
      return alongColumn(rowIndex + 1, 1);
    case 'ArrowUp':
      return alongColumn(rowIndex - 1, -1);
    case 'Home':
      return ctrlKey ? firstFrom(0, 1) : alongRow(rowIndex, 0, 1);
    case 'End':
      return ctrlKey ? firstFrom(rowCount - 1, -1) : alongRow(rowIndex, lastCol, -1);
    default:
      return null;
  }
}

const NAVIGATION_KEYS = new Set(['ArrowRight', 'ArrowLeft', 'ArrowDown', 'ArrowUp', 'Home', 'End']);

export function Matrix(props: {
  rows: ReportRow[];
  selected: CellKey | null;
  onSelect: (modelId: string, quant: string) => void;
  /** Each catalog model's score on the ladder's benchmark, and that benchmark's name, for the Score column. */
  scores?: { benchmark: string; byModel: Recommendation['scores'] } | undefined;
}): React.JSX.Element {
  const tableRef = useRef<HTMLTableElement>(null);
  // The grid is one tab stop: the cell last focused keeps tabindex 0, every other cell -1.
  const [focused, setFocused] = useState<CellKey | null>(null);
  const byModel = new Map<string, ReportRow[]>();
  for (const r of props.rows) byModel.set(r.modelId, [...(byModel.get(r.modelId) ?? []), r]);
  const models = [...byModel.values()].sort((a, b) => (a[0]?.paramsB ?? 0) - (b[0]?.paramsB ?? 0));
  if (models.length === 0) return <p className="muted">No model matches the filters.</p>;

  const has = (row: number, col: number): boolean => Boolean(models[row]?.some((r) => r.quant === PRECISIONS[col]));
  const exists = (k: CellKey | null): k is CellKey => k !== null && Boolean(byModel.get(k.modelId)?.some((r) => r.quant === k.quant));
  const keyAt = (cell: [number, number] | null): CellKey | null => {
    const modelId = cell && models[cell[0]]?.[0]?.modelId;
    const quant = cell && PRECISIONS[cell[1]];
    return modelId && quant ? { modelId, quant } : null;
  };
  const tabStop = exists(focused)
    ? focused
    : exists(props.selected)
      ? props.selected
      : keyAt(nextCell('Home', true, 0, 0, models.length, has));

  const onKeyDown = (e: React.KeyboardEvent<HTMLTableElement>): void => {
    if (!NAVIGATION_KEYS.has(e.key)) return;
    const cell = (e.target as HTMLElement).closest<HTMLElement>('td[data-quant]');
    const modelId = cell?.closest<HTMLElement>('tr[data-model]')?.dataset.model;
    const rowIndex = models.findIndex((rows) => rows[0]?.modelId === modelId);
    const colIndex = PRECISIONS.indexOf(cell?.dataset.quant as (typeof PRECISIONS)[number]);
    if (rowIndex < 0 || colIndex < 0) return;
    // Handled even at the edge, so an arrow key never scrolls the page from inside the grid.
    e.preventDefault();
    const target = keyAt(nextCell(e.key, e.ctrlKey || e.metaKey, rowIndex, colIndex, models.length, has));
    if (!target) return;
    tableRef.current
      ?.querySelector<HTMLButtonElement>(
        `tr[data-model="${CSS.escape(target.modelId)}"] td[data-quant="${CSS.escape(target.quant)}"] button`,
      )
      ?.focus();
  };

  return (
    <div className="matrix-wrap">
      {/* A grid, so screen readers hand the arrow keys to it and announce row and column headers. */}
      <table
        className="matrix"
        data-testid="matrix"
        role="grid"
        aria-label="Fit of each model at each precision"
        ref={tableRef}
        onKeyDown={onKeyDown}
      >
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Params</th>
            {props.scores && (
              <th scope="col" title={`Published ${props.scores.benchmark} score (the ladder's benchmark); r: measured while reasoning`}>
                {props.scores.benchmark}
              </th>
            )}
            {PRECISIONS.map((p) => (
              <th scope="col" key={p}>
                {p}
              </th>
            ))}
          </tr>
        </thead>
        {GROUPS.map(([label, lo, hi]) => {
          const group = models.filter((rows) => (rows[0]?.paramsB ?? 0) >= lo && (rows[0]?.paramsB ?? 0) < hi);
          if (group.length === 0) return null;
          return (
            <tbody key={label}>
              <tr className="group">
                <th colSpan={(props.scores ? 3 : 2) + PRECISIONS.length} scope="rowgroup">
                  {label}
                </th>
              </tr>
              {group.map((rows) => {
                const first = rows[0] as ReportRow;
                return (
                  <tr key={first.modelId} data-model={first.modelId}>
                    <th scope="row" className="model">
                      {first.name}
                    </th>
                    <td className="params">
                      {first.paramsB}B
                      {first.activeParamsB < first.paramsB * 0.9 && (
                        <span className="muted"> ({first.activeParamsB.toFixed(1)}B active)</span>
                      )}
                    </td>
                    {props.scores && <ScoreCell score={props.scores.byModel[first.catalogId ?? first.modelId]} />}
                    {PRECISIONS.map((p) => {
                      const r = rows.find((x) => x.quant === p);
                      if (!r) return <td key={p} />;
                      const isSelected = props.selected?.modelId === r.modelId && props.selected.quant === p;
                      const isTabStop = tabStop?.modelId === r.modelId && tabStop.quant === p;
                      return (
                        <td key={p} className={`cell fit-${r.fit}${isSelected ? ' selected' : ''}`} data-quant={p} data-fit={r.fit}>
                          <button
                            type="button"
                            tabIndex={isTabStop ? 0 : -1}
                            aria-haspopup="dialog"
                            onFocus={() => setFocused({ modelId: r.modelId, quant: p })}
                            onClick={() => props.onSelect(r.modelId, p)}
                            title={`${r.name} ${p}: ${r.why} ${formatBytes(r.memory.totalBytes)}${r.tokPerSec !== null ? `, ~${formatTokPerSec(r.tokPerSec)} tok/s (${speedWord(r.speedSource)})` : ''}`}
                          >
                            <span className="fitlabel">{fitShortLabel(r.fit, r.gpuLayers, r.totalLayers, r.cpuMoeLayers)}</span>
                            <span className="mem">{formatBytes(r.memory.totalBytes)}</span>
                            {r.tokPerSec !== null && (
                              <span className="tps">
                                {formatTokPerSec(r.tokPerSec)} t/s{speedMark(r.speedSource)}
                              </span>
                            )}
                          </button>
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          );
        })}
      </table>
      <p className="legend">
        {FIT_LEGEND.map((entry, i) => (
          <Fragment key={entry.fit}>
            {i > 0 && ' · '}
            <span className={`fit-${entry.fit}`}>{entry.label}</span> {entry.description}
          </Fragment>
        ))}
        . Memory and tok/s are estimates (tok/s with * corrected by your benchmark runs, ✓ measured); click a cell for the breakdown and
        sources, or walk the grid with the arrow keys, Home and End, and press Enter.
      </p>
    </div>
  );
}

/** A model's score on the ladder's benchmark; a dash where it publishes none. */
function ScoreCell({ score }: { score: Recommendation['scores'][string] | undefined }): React.JSX.Element {
  if (!score) return <td className="score muted">–</td>;
  return (
    <td
      className="score"
      title={`${score.benchmark} ${score.score}${score.thinking ? ', measured while reasoning' : ''}: ${score.detail ? `${score.detail}, ` : ''}${score.date}, ${score.source}`}
    >
      {score.score}
      {score.thinking ? <span className="muted"> r</span> : null}
    </td>
  );
}
