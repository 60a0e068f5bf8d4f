// Human output of `rightsize profiles`.
import Table from 'cli-table3';
import pc from 'picocolors';
import type { Profile, ProfileSummary } from '../../shared/schema';
import { formatBytes, formatCores } from '../../shared/units';

const gpusText = (gpus: ProfileSummary['gpus']): string =>
  gpus.length ? gpus.map((g) => `${g.name} ${formatBytes(g.vramBytes)} (${g.backend})`).join('\n') : 'none';

export function formatProfileList(profiles: ProfileSummary[], color: boolean): string {
  const c = pc.createColors(color);
  if (profiles.length === 0) return 'No profiles saved yet: `rightsize profiles save NAME` saves this machine.';
  const table = new Table({
    head: ['Name', 'Origin', 'GPUs', 'RAM', 'CPU', 'Calibrated', 'Benchmarks', 'Updated'].map((h) => c.bold(h)),
    style: { head: [], border: [] },
  });
  for (const p of profiles) {
    table.push([
      p.name,
      p.origin,
      gpusText(p.gpus),
      formatBytes(p.ramBytes),
      p.cpu,
      p.calibrated ? 'yes' : 'no',
      String(p.benchRecords),
      p.updatedAt.slice(0, 16).replace('T', ' '),
    ]);
  }
  return `${c.bold(`Profiles (${profiles.length})`)}\n${table.toString()}`;
}

export function formatProfile(profile: Profile, color: boolean): string {
  const c = pc.createColors(color);
  const { hardware } = profile;
  const table = new Table({ style: { head: [], border: [] } });
  table.push(
    { Origin: `${profile.origin}${hardware.whatIf ? ' (what-if figures are marked as such)' : ''}` },
    { GPUs: gpusText(hardware.gpus.map((g) => ({ name: g.name, vramBytes: g.vramBytes, backend: g.backend }))) },
    {
      'GPU bandwidth': hardware.gpus.length
        ? hardware.gpus
            .map((g) => (g.memoryBandwidthBytesPerSec ? `${(g.memoryBandwidthBytesPerSec / 1e9).toFixed(0)} GB/s` : 'unknown'))
            .join('\n')
        : 'none',
    },
    { RAM: formatBytes(hardware.ram.totalBytes) },
    {
      CPU: `${hardware.cpu.model}, ${formatCores(hardware.cpu)}`,
    },
    { Calibration: profile.calibration ? `probe of ${profile.calibration.measuredAt.slice(0, 10)}` : 'none (speeds from bandwidth)' },
    { Benchmarks: String(profile.benchRecords.length) },
    { Created: profile.createdAt.slice(0, 16).replace('T', ' ') },
    { Updated: profile.updatedAt.slice(0, 16).replace('T', ' ') },
  );
  return `${c.bold(profile.name)}\n${table.toString()}`;
}
