// Human output of `rightsize plan`: memory per device and machine, the speed with the network's
// share, the commands to run it, and which catalog models the pool runs.
import Table from 'cli-table3';
import pc from 'picocolors';
import type { PoolResult } from '../../shared/schema';
import { formatBytes, formatTokPerSec } from '../../shared/units';

const ms = (seconds: number): string => `${(seconds * 1000).toFixed(2)} ms`;

export function formatPoolPlan(result: PoolResult, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const { plan } = result;
  const linkText = `${result.link.name ?? 'custom link'}: ${formatBytes(result.link.bytesPerSec)}/s, ${ms(result.link.latencySeconds)} latency (assumed)`;
  const lines = [
    c.bold(`${result.model.name} ${result.model.quant}, ${result.settings.contextTokens} tokens of context, over ${linkText}`),
  ];
  const table = new Table({
    head: ['Device', 'Layers', 'Weights', 'KV', 'Compute', 'Overhead', 'Total', 'Usable', 'Fits'].map((h) => c.bold(h)),
    style: { head: [], border: useColor ? ['grey'] : [] },
  });
  for (const d of plan.devices) {
    table.push([
      d.label,
      String(d.layers),
      formatBytes(d.weightsBytes),
      formatBytes(d.kvBytes),
      formatBytes(d.computeBytes),
      formatBytes(d.overheadBytes),
      formatBytes(d.totalBytes),
      formatBytes(d.usableBytes),
      d.fits ? c.green('yes') : c.red('no'),
    ]);
  }
  lines.push(table.toString());
  lines.push(
    plan.fits ? c.green('Fits the pool.') : c.red('Does not fit: a node is over its usable memory.'),
    `Generation: ~${formatTokPerSec(plan.tokPerSec)} tok/s (weights ${ms(plan.readSecondsPerToken)} + kernel launches ${ms(plan.fixedSecondsPerToken)} + ${plan.hops} hop(s) ${ms(plan.hopSecondsPerToken)} per token${plan.logitsReturnSecondsPerToken > 0 ? `, of which ${ms(plan.logitsReturnSecondsPerToken)} bring the logits back to the head` : ''}).`,
    `Prompt: the link adds ${ms(plan.hopSecondsPerPromptBatch)} per 512-token batch${plan.promptTokPerSecNetworkCap !== null ? `, capping it at ~${formatTokPerSec(plan.promptTokPerSecNetworkCap)} tok/s` : ''}.`,
  );
  for (const note of new Set(plan.devices.flatMap((d) => (d.bandwidthNote ? [d.bandwidthNote] : []))))
    lines.push(c.yellow(`Speed: ${note}.`));
  if (result.slowerThanSmaller) lines.push(c.yellow(result.slowerThanSmaller));
  lines.push('', c.bold('Run it'), ...result.commands);
  const fitting = result.models.filter((m) => m.fits);
  lines.push('', c.bold(`Catalog models that fit the pool at Q4_K_M (${fitting.length} of ${result.models.length})`));
  for (const m of fitting) lines.push(`  ${m.name} (${m.modelId}): ~${formatTokPerSec(m.tokPerSec)} tok/s`);
  return lines.join('\n');
}
