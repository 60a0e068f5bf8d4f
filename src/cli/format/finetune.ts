// Human output of `rightsize finetune`: memory by part with and without gradient checkpointing,
// the fit on this machine or a profile, the GPUs of a preset, time, energy and cost; then how each
// figure was computed.
import Table from 'cli-table3';
import pc from 'picocolors';
import type { FigureValue, FinetuneResult } from '../../shared/schema';
import { formatBytes } from '../../shared/units';

const METHOD_NAMES = { full: 'full fine-tuning', lora: 'LoRA', qlora: 'QLoRA' } as const;

const formatParams = (n: number): string =>
  n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${Math.round(n).toLocaleString('en-US')}`;

const formatTokens = (n: number): string =>
  n >= 1e12
    ? `${(n / 1e12).toPrecision(3)}T`
    : n >= 1e9
      ? `${(n / 1e9).toPrecision(3)}B`
      : n >= 1e6
        ? `${(n / 1e6).toPrecision(3)}M`
        : String(n);

const formatDuration = (days: number): string =>
  days >= 2
    ? `${days.toFixed(1)} days`
    : days * 24 >= 1
      ? `${(days * 24).toFixed(1)} hours`
      : `${Math.max(1, Math.round(days * 1440))} minutes`;

const formatMoney = (amount: number, currency: string | null): string => {
  const text =
    amount >= 1e6 ? `${(amount / 1e6).toFixed(2)} M` : amount >= 1e3 ? `${Math.round(amount).toLocaleString('en-US')}` : amount.toFixed(2);
  return currency ? `${text} ${currency}` : text;
};

export function formatFinetune(result: FinetuneResult, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const s = result.settings;
  const how: Array<[string, FigureValue]> = [];
  const row = (label: string, figure: FigureValue, value: string): string[] => {
    how.push([label, figure]);
    return [label, value];
  };
  const lines = [
    c.bold(
      `${result.model.name}: ${METHOD_NAMES[result.method]}${result.method === 'full' ? '' : ` (rank ${s.rank})`}, ${s.seqTokens} tokens x batch ${s.batch}, ${formatTokens(s.tokens)} tokens`,
    ),
    `Parameters ${formatParams(result.model.params)}${result.model.activeParams < result.model.params ? ` (${formatParams(result.model.activeParams)} per token)` : ''}; trains ${formatParams(result.trainableParams.value)}. Shape from ${result.model.shapeFrom}.`,
  ];
  const table = new Table({ head: ['Memory', 'Bytes'].map((h) => c.bold(h)), style: { head: [], border: useColor ? ['grey'] : [] } });
  const m = result.memory;
  for (const item of m.items) table.push(row(item.label, item, formatBytes(item.value)));
  table.push(row('Weights and states', m.states, formatBytes(m.states.value)));
  if (m.activationsWithoutCheckpointing)
    table.push(
      row('Activations, no checkpointing', m.activationsWithoutCheckpointing, formatBytes(m.activationsWithoutCheckpointing.value)),
    );
  if (m.activationsWithCheckpointing)
    table.push(row('Activations, checkpointing', m.activationsWithCheckpointing, formatBytes(m.activationsWithCheckpointing.value)));
  table.push(row('Total, no checkpointing', m.totalWithoutCheckpointing, c.bold(formatBytes(m.totalWithoutCheckpointing.value))));
  table.push(row('Total, checkpointing', m.totalWithCheckpointing, c.bold(formatBytes(m.totalWithCheckpointing.value))));
  lines.push(table.toString());

  const mc = result.machine;
  how.push([`${mc.name}: usable GPU memory`, mc.usableBytes]);
  const fitWord = (fits: boolean): string => (fits ? c.green('fits') : c.red('does not fit'));
  lines.push(
    `${mc.name} (${formatBytes(mc.usableBytes.value)} usable on its GPUs): ${fitWord(mc.fitsWithCheckpointing)} with gradient checkpointing, ${fitWord(mc.fitsWithoutCheckpointing)} without.`,
  );

  const g = result.gpu;
  if (g) {
    const plan = new Table({ head: [c.bold(`On ${g.name}`), ''], style: { head: [], border: useColor ? ['grey'] : [] } });
    plan.push(
      row(
        'GPUs needed',
        g.gpusNeeded,
        `${g.gpusNeeded.value} x ${formatBytes(g.vramBytes)}${g.gpusUsed !== g.gpusNeeded.value ? ` (planned on ${g.gpusUsed})` : ''}`,
      ),
    );
    plan.push(row('Training FLOPs', g.flops, `${g.flops.value.toExponential(2)} (${(g.flops.value / 8.64e19).toPrecision(3)} PF/s-days)`));
    if (g.peakTflops)
      plan.push(row('Peak per GPU', g.peakTflops, `${g.peakTflops.value} TFLOPS, ${Math.round(s.efficiency * 100)}% sustained`));
    if (g.days) plan.push(row('Time', g.days, c.bold(formatDuration(g.days.value))));
    if (g.gpuHours) plan.push(row('GPU-hours', g.gpuHours, Math.round(g.gpuHours.value).toLocaleString('en-US')));
    if (g.watts) plan.push(row('Power per GPU', g.watts, `${g.watts.value} W`));
    if (g.powerKw) plan.push(row('Power', g.powerKw, `${g.powerKw.value.toFixed(1)} kW`));
    if (g.energyKwh) plan.push(row('Energy', g.energyKwh, `${Math.round(g.energyKwh.value).toLocaleString('en-US')} kWh`));
    if (g.cost) plan.push(row('Cost', g.cost, c.bold(formatMoney(g.cost.value, g.currency))));
    lines.push(plan.toString());
  }
  for (const note of result.notes) lines.push(c.yellow(note));
  lines.push('', c.bold('How each figure was computed'), ...how.map(([label, f]) => `  ${label}: ${f.how}`));
  return lines.join('\n');
}
