import type { Report } from '../../shared/schema';
import { formatBytes, formatCores } from '../../shared/units';
import { describeSource, shortSource } from './format';
import { promptRateOrigin, ramBandwidthScope } from '../../shared/source-words';

export function HardwareCard({ report, children }: { report: Report; children?: React.ReactNode }): React.JSX.Element {
  const hw = report.hardware;
  return (
    <div className="card" data-testid="hardware">
      <h2>
        {report.profile === undefined ? 'This machine' : `Profile "${report.profile}"`}
        {hw.whatIf && <span className="tag tag-whatif">what-if</span>}
      </h2>
      <dl className="facts">
        {hw.gpus.length === 0 && (
          <div className="fact">
            <dt>GPU</dt>
            <dd>none detected</dd>
            <dd className="src">
              {hw.sources
                .filter((s) => s.id !== 'memory-bandwidth-probe')
                .map((s) => `${s.id}: ${s.status}`)
                .join(' · ')}
            </dd>
          </div>
        )}
        {hw.gpus.map((g, i) => (
          <div className="fact" key={`${g.name}-${i}`} data-testid="gpu">
            <dt>GPU</dt>
            <dd>
              {g.name}{' '}
              <span className="muted">
                {g.unifiedMemory
                  ? `unified, GPU may use ${formatBytes(g.vramBytes)}`
                  : g.integrated
                    ? 'integrated, shares RAM'
                    : `${formatBytes(g.vramBytes)} VRAM`}{' '}
                · {g.backend}
                {g.pcieLink && (
                  <span
                    title={`detected by ${g.pcieLink.source.by} (${g.pcieLink.source.detail ?? ''}): weights kept in RAM cross this link`}
                  >
                    {' '}
                    · PCIe {g.pcieLink.gen}.0 x{g.pcieLink.width}
                  </span>
                )}
              </span>
              {g.memoryBandwidthBytesPerSec !== null && (
                <span className="muted" data-testid="gpu-bandwidth" title={describeSource(g.bandwidthSource)}>
                  {' '}
                  · {(g.memoryBandwidthBytesPerSec / 1e9).toFixed(0)} GB/s
                  {g.bandwidthSource?.kind === 'assumed' ? ' (assumed: not in the catalogue)' : ''}
                </span>
              )}
              {g.promptRate && (
                <span className="muted" data-testid="gpu-prompt-rate" title={g.promptRate.source.detail}>
                  {' '}
                  · prompts at {(g.promptRate.flopsPerSec / 1e12).toFixed(1)} TFLOP/s ({promptRateOrigin(g.promptRate.source)})
                </span>
              )}
            </dd>
            <dd className="src" title={describeSource(g.vramSource)}>
              {shortSource(g.vramSource)}
              {g.alternatives.length > 0 && (
                <span title={g.alternatives.map((a) => `${a.source.by}: ${a.field} = ${a.value} (${a.why})`).join('\n')}>
                  {' '}
                  · {g.alternatives.length} other reading(s)
                </span>
              )}
            </dd>
          </div>
        ))}
        <div className="fact">
          <dt>RAM</dt>
          <dd data-testid="ram">
            {formatBytes(hw.ram.totalBytes)}
            {hw.ram.availableBytes !== null && <span className="muted">, {formatBytes(hw.ram.availableBytes)} available</span>}
          </dd>
          <dd className="src" title={describeSource(hw.ram.source)}>
            {shortSource(hw.ram.source)}
          </dd>
        </div>
        <div className="fact">
          <dt>CPU</dt>
          <dd>
            {hw.cpu.model}{' '}
            <span className="muted">
              {formatCores(hw.cpu)}
              {hw.cpu.simd.length > 0 && `, ${hw.cpu.simd.join(' ')}`}
            </span>
          </dd>
          <dd className="src" title={describeSource(hw.cpu.source)}>
            {shortSource(hw.cpu.source)}
          </dd>
        </div>
        {hw.cpu.memoryBandwidthBytesPerSec !== null && (
          <div className="fact">
            <dt>RAM b/w</dt>
            <dd data-testid="ram-bandwidth">
              {(hw.cpu.memoryBandwidthBytesPerSec / 1e9).toFixed(1)} GB/s <span className="muted">{ramBandwidthScope(hw.cpu)}</span>
              {report.calibration && (
                <span title={report.calibration.source.detail}>
                  {' '}
                  · {(report.calibration.tgMemoryBytesPerSec / 1e9).toFixed(1)} GB/s{' '}
                  <span className="muted">llama.cpp on {report.calibration.threads.tg} thread(s), the probe's: what CPU speeds use</span>
                </span>
              )}
            </dd>
            <dd className="src" title={describeSource(hw.cpu.bandwidthSource)}>
              {shortSource(hw.cpu.bandwidthSource)}
            </dd>
          </div>
        )}
      </dl>
      {hw.sources
        .filter((s) => s.status === 'failed' || s.status === 'timeout')
        .map((s) => (
          <p className="warn" key={s.id}>
            {s.id} {s.status}
            {s.detail ? `: ${s.detail}` : ''}
          </p>
        ))}
      <p className="budget">{report.budget.explanation}</p>
      {children}
    </div>
  );
}
