// Machines side by side: each one's hardware and ladder, and per catalogued model the precision it
// runs best at reading speed on each, built from one report per machine (the same sizing as
// `report`, so a comparison never disagrees with the report of the machine it shows).
import { INTERACTIVE_TOK_PER_SEC } from '../shared/ladder';
import { PRECISIONS } from '../shared/precision';
import type { CatalogModel, CompareCell, ComparedMachine, ComparedModel, CompareResult, Report, ReportRow } from '../shared/schema';

export interface MachineReport {
  /** The profile's name as saved, or "This machine". */
  name: string;
  /** null for the detected machine. */
  profile: string | null;
  report: Report;
}

/** Best quality first: the order of PRECISIONS (F32 down to Q2_K). */
/** F32, F16 and BF16 give the same answers in practice, so they share the top rank (then the smaller wins). */
const FULL_PRECISION = new Set(['F32', 'F16', 'BF16']);
const precisionRank = (quant: string): number => {
  if (FULL_PRECISION.has(quant)) return 0;
  const rank = (PRECISIONS as readonly string[]).indexOf(quant);
  return rank < 0 ? PRECISIONS.length : rank;
};

/** The highest-quality precision that fits at all and still reaches reading speed, or null. */
export function bestCell(rows: readonly ReportRow[]): CompareCell | null {
  const usable = rows
    .filter((r) => r.fit !== 'none' && r.tokPerSec !== null && r.tokPerSec >= INTERACTIVE_TOK_PER_SEC)
    .sort((a, b) => precisionRank(a.quant) - precisionRank(b.quant) || a.memory.totalBytes - b.memory.totalBytes);
  const row = usable[0];
  if (!row) return null;
  return {
    quant: row.quant,
    fit: row.fit,
    gpuLayers: row.gpuLayers,
    totalLayers: row.totalLayers,
    totalBytes: row.memory.totalBytes,
    tokPerSec: row.tokPerSec as number,
  };
}

/** Orders two cells: the higher precision first, then the faster; 0 when they tie. */
const compareCells = (a: CompareCell, b: CompareCell): number =>
  precisionRank(a.quant) - precisionRank(b.quant) || b.tokPerSec - a.tokPerSec;

/** The machines that run a model best: the highest precision, then the fastest; every one that ties. */
function bestColumns(cells: ReadonlyArray<CompareCell | null>): number[] {
  const running = cells.flatMap((cell, i) => (cell ? [{ cell, i }] : []));
  const top = [...running].sort((a, b) => compareCells(a.cell, b.cell))[0];
  return top ? running.filter(({ cell }) => compareCells(cell, top.cell) === 0).map(({ i }) => i) : [];
}

function machineOf({ name, profile, report }: MachineReport): ComparedMachine {
  const hw = report.hardware;
  return {
    name,
    profile,
    hardware: {
      gpus: hw.gpus.map((g) => ({ name: g.name, vramBytes: g.vramBytes, backend: g.backend })),
      ramBytes: hw.ram.totalBytes,
      cpu: hw.cpu.model,
      calibrated: report.calibration !== null,
      whatIf: hw.whatIf,
    },
    recommendation: report.recommendation,
  };
}

/** Compares machines whose reports were built with the same context and KV type over the same catalog. */
export function compareMachines(machines: readonly MachineReport[], catalog: readonly CatalogModel[]): CompareResult {
  const first = machines[0];
  if (!first) throw new Error('compareMachines needs at least one machine');
  const rowsByMachine = machines.map(({ report }) => {
    const byModel = new Map<string, ReportRow[]>();
    for (const row of report.rows) if (row.origin === 'catalog') byModel.set(row.modelId, [...(byModel.get(row.modelId) ?? []), row]);
    return byModel;
  });
  const models: ComparedModel[] = [...catalog]
    .sort((a, b) => a.publishedParamsB - b.publishedParamsB)
    .map((model) => {
      const cells = rowsByMachine.map((byModel) => bestCell(byModel.get(model.id) ?? []));
      return { modelId: model.id, name: model.name, paramsB: model.publishedParamsB, cells, best: bestColumns(cells) };
    });
  return {
    settings: first.report.settings,
    minTokPerSec: INTERACTIVE_TOK_PER_SEC,
    machines: machines.map(machineOf),
    models,
  };
}
