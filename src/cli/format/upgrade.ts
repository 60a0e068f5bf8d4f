// Human output of `rightsize upgrade`: this machine's fit and shortfalls, then the presets that
// would run the model, smallest first, each with its published price where one was found.
import Table from 'cli-table3';
import pc from 'picocolors';
import { fitLabel, fitShortLabel } from '../../shared/fit-words';
import type { UpgradeAdvice, UpgradeCandidate } from '../../shared/schema';
import { formatBytes, formatTokPerSec } from '../../shared/units';

/** VRAM + RAM; no VRAM of its own yet layers on the GPU means a GPU that shares the RAM. */
function memoryWords(k: UpgradeCandidate): string {
  if (k.vramBytes > 0) return `${formatBytes(k.vramBytes)} VRAM + ${formatBytes(k.ramBytes)} RAM`;
  return k.gpuBytes > 0 ? `${formatBytes(k.ramBytes)} shared with the GPU` : `${formatBytes(k.ramBytes)} RAM`;
}

/** "$1,599 (launch MSRP, 2022-09)"; "-" where no price was published. */
function priceWords(k: UpgradeCandidate): string {
  if (!k.price) return '-';
  return `$${Math.round(k.price.usd).toLocaleString('en-US')} (${k.price.kind}, ${k.price.date})`;
}

export function formatUpgrade(a: UpgradeAdvice, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const here = a.thisMachine;
  const lines: string[] = [];
  lines.push(
    c.bold(
      `${a.model.name}  ${a.model.quant}  (${a.model.paramsB.toFixed(1)}B params), context ${a.model.contextTokens} tokens, KV ${a.model.kvType}`,
    ),
  );
  lines.push(`Wanted: at least ${a.minTokPerSec} tok/s.`);
  lines.push('');
  lines.push(c.bold(`${a.profile !== null ? `Profile "${a.profile}"` : 'This machine'}: ${here.hardware}`));
  lines.push(
    here.fit === 'none'
      ? '  Does not fit.'
      : `  ${fitLabel(here.fit, here.gpuLayers, here.totalLayers)}, ~${formatTokPerSec(here.tokPerSec)} tok/s (estimated)`,
  );
  if (here.runs) lines.push(c.green('  Runs it fast enough: no upgrade needed.'));
  for (const lack of here.lacks) lines.push(c.yellow(`  - ${lack[0]?.toUpperCase()}${lack.slice(1)}`));
  lines.push('');
  if (a.candidates.length === 0) {
    lines.push(
      `None of the ${a.considered} presets runs it at ${a.minTokPerSec} tok/s or more; try a smaller --quant, a shorter --ctx or a lower --min-tps.`,
    );
    return lines.join('\n');
  }
  lines.push(c.bold(`${a.candidates.length} of ${a.considered} presets run it at ${a.minTokPerSec} tok/s or more, smallest first:`));
  const table = new Table({
    head: ['', 'Candidate', 'Memory', 'Fit', 'On GPU', 'On CPU / RAM', 'tok/s', 'Price'],
    style: { head: useColor ? ['bold'] : [], border: useColor ? ['grey'] : [], compact: true },
  });
  a.candidates.forEach((k, i) =>
    table.push([
      String(i + 1),
      k.name,
      memoryWords(k),
      fitShortLabel(k.fit, k.gpuLayers, k.totalLayers),
      formatBytes(k.gpuBytes),
      formatBytes(k.cpuBytes),
      formatTokPerSec(k.tokPerSec),
      k.id === a.cheapest ? `${priceWords(k)} cheapest` : priceWords(k),
    ]),
  );
  lines.push(table.toString());
  const priced = a.candidates.filter((k) => k.price);
  if (priced.length > 0) {
    lines.push(c.dim('  Prices, with their sources:'));
    for (const k of priced) lines.push(c.dim(`  - ${k.name}: ${priceWords(k)}, ${k.price?.source}`));
  }
  lines.push(c.dim(`  ${a.order} Memory per device and speed are estimates; each preset's figures have a source (--json).`));
  return lines.join('\n');
}
