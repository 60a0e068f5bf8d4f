// Human output of `rightsize presets`.
import Table from 'cli-table3';
import pc from 'picocolors';
import type { PresetList } from '../../shared/schema';
import { formatBytes } from '../../shared/units';

export function formatPresets(list: PresetList, shown: { gpus: boolean; machines: boolean }, filter: string, color: boolean): string {
  const c = pc.createColors(color);
  const style = { head: [], border: [], compact: true };
  const parts: string[] = [];
  if (shown.gpus) {
    const table = new Table({ head: ['GPU (--gpu NAME)', 'VRAM', 'Bandwidth', 'Source'].map((h) => c.bold(h)), style });
    for (const g of list.gpus) {
      const vram = g.vramBytes ? formatBytes(g.vramBytes) : g.unifiedMemory ? 'unified' : 'shares RAM';
      table.push([g.name, vram, `${g.memoryBandwidthGBps} GB/s`, c.dim(g.source)]);
    }
    parts.push(list.gpus.length ? `${c.bold(`GPUs (${list.gpus.length})`)}\n${table.toString()}` : `No GPU preset matches "${filter}".`);
  }
  if (shown.machines) {
    const table = new Table({ head: ['Machine (--machine ID)', 'Name', 'RAM', 'GPUs'].map((h) => c.bold(h)), style });
    for (const m of list.machines) {
      const gpus = m.gpus.map((g) => `${g.count > 1 ? `${g.count}x ` : ''}${g.name}`).join(' + ') || 'none';
      table.push([m.id, m.name, formatBytes(m.ramBytes), gpus]);
    }
    parts.push(
      list.machines.length
        ? `${c.bold(`Machines (${list.machines.length})`)}\n${table.toString()}`
        : `No machine preset matches "${filter}".`,
    );
  }
  return `${parts.join('\n\n')}\n${c.dim('What-if: rightsize report --gpu "2x NAME" --ram 64GiB, or --machine ID; save one with rightsize profiles save NAME ...')}`;
}
