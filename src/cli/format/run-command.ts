// Human output of `rightsize command`: the placement once, then each tool's command on lines of its
// own (nothing else on them, so a terminal selection copies only the command), with its notes.
import pc from 'picocolors';
import { fitLabel } from '../../shared/fit-words';
import type { RunCommandsResult } from '../../shared/schema';

export function formatRunCommands(result: RunCommandsResult, useColor: boolean): string {
  const c = pc.createColors(useColor);
  const p = result.placement;
  const lines: string[] = [
    c.bold(`${result.model.name}  ${result.model.quant}: ${fitLabel(p.fit, p.gpuLayers, p.totalLayers)}`),
    c.dim(
      `  context ${p.contextTokens}, KV ${p.kvType}${p.flashAttention === 'on' ? ' (flash attention on)' : ''}, -ngl ${p.gpuLayers} of ${p.totalLayers}, ${p.threads !== null ? `${p.threads} threads` : "llama.cpp's default threads"}${p.tensorSplit ? `, -ts ${p.tensorSplit.join(',')}` : ''}${p.nCpuMoe ? `, --n-cpu-moe ${p.nCpuMoe}` : ''}, backend ${p.backend}`,
    ),
    c.dim(`  ${p.why}`),
  ];
  for (const note of result.notes) lines.push(c.yellow(`  ${note}`));
  for (const command of result.commands) {
    lines.push('', c.bold(`# ${command.title}`), command.command);
    for (const note of command.notes) lines.push(c.dim(`  - ${note}`));
  }
  return lines.join('\n');
}
