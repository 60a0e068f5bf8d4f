// Human output of `rightsize probe`: the figures the calibration run measured.
import type { SpeedCalibration } from '../../shared/schema';
import { cacheLabel } from '../../core/calibration';

export function formatCalibration(calibration: SpeedCalibration): string {
  const gb = (bytesPerSec: number | undefined): string => ((bytesPerSec ?? 0) / 1e9).toFixed(1);
  const nsPerRow = (seconds: number | undefined): string => `${((seconds ?? 0) * 1e9).toFixed(1)} ns/row`;
  const lines = [
    `Calibrated in ${(calibration.durationMs / 1000).toFixed(1)} s (${calibration.threads.pp}/${calibration.threads.tg} threads for prompt/generation)${
      (calibration.pooledProbes ?? 1) > 1
        ? `, pooled with this machine's earlier probes: each file's median over the last ${calibration.pooledProbes} (\`rightsize probe --fresh\` starts over)`
        : ''
    }:`,
  ];
  for (const type of Object.keys(calibration.tgBytesPerSecByType)) {
    lines.push(
      `  ${type.padEnd(5)} generation reads ${gb(calibration.tgBytesPerSecByType[type])} GB/s + ${nsPerRow(calibration.tgSecondsPerRowByType[type])}, prompt processing ${((calibration.ppFlopsByType[type] ?? 0) / 1e9).toFixed(0)} GFLOP/s + ${nsPerRow(calibration.ppSecondsPerRowByType[type])}`,
    );
  }
  lines.push(
    `  fixed cost ${(calibration.tgSecondsPerToken * 1000).toFixed(3)} ms per token + ${(calibration.tgSecondsPerLayer * 1e6).toFixed(1)} µs per layer`,
  );
  lines.push(
    `  RAM ${gb(calibration.tgMemoryBytesPerSec)} GB/s for weights larger than ${cacheLabel(calibration.lastLevelCacheBytes)} (generation reads them once per token, prompts ${calibration.ppRamReadsPerToken.toFixed(2)} of them per token)`,
  );
  lines.push('Every CPU speed in `rightsize report` now uses these figures (marked calibrated).');
  return lines.join('\n');
}
