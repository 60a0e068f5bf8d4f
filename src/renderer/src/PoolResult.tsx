// A pool plan as the pool panel shows it: memory per machine and device, the layers each holds, the
// expected speed over the link, whether the last machine slows it down, and the commands to run it.
import { CopyButton } from './CopyButton';
import type { PoolResult } from '../../shared/schema';
import { formatBytes, formatContext, formatTokPerSec } from '../../shared/units';

/** "# on Desk: rpc-server …" → where to run it and what. */
function splitCommand(line: string): { where: string | null; command: string } {
  const match = /^# on (.+?): (.+)$/.exec(line);
  return match ? { where: match[1] ?? null, command: match[2] ?? line } : { where: null, command: line };
}

export function PoolResultView({ result }: { result: PoolResult }): React.JSX.Element {
  const { plan, link } = result;
  const fitting = result.models.filter((m) => m.fits);
  return (
    <div className="pool-result" data-testid="pool-result">
      <p className={`fit-banner ${plan.fits ? 'fit-gpu' : 'fit-none'}`} data-testid="pool-summary">
        {result.model.name} <span className="quant">{result.model.quant}</span>:{' '}
        {plan.fits ? `fits the pool, ~${formatTokPerSec(plan.tokPerSec)} tok/s expected` : 'does not fit the pool'}
      </p>
      <p className="src-detail">
        {formatContext(result.settings.contextTokens)} context, {result.settings.kvType} KV, link {link.name ?? 'custom'} (
        {(link.bytesPerSec / 1e6).toFixed(0)} MB/s, {(link.latencySeconds * 1000).toFixed(2)} ms one way). {plan.hops}{' '}
        {plan.hops === 1 ? 'hop' : 'hops'} between machines cost {(plan.hopSecondsPerToken * 1000).toFixed(2)} ms per token; reading the
        weights {(plan.readSecondsPerToken * 1000).toFixed(1)} ms, and the kernel launches of every block{' '}
        {(plan.fixedSecondsPerToken * 1000).toFixed(1)} ms.
        {plan.promptTokPerSecNetworkCap !== null &&
          ` The link alone caps prompt processing at ~${formatTokPerSec(plan.promptTokPerSecNetworkCap)} tok/s.`}
      </p>
      {[...new Set(plan.devices.flatMap((d) => (d.bandwidthNote ? [d.bandwidthNote] : [])))].map((note) => (
        <p className="warn" key={note} data-testid="pool-bandwidth-note">
          Speed: {note}.
        </p>
      ))}
      <p className={result.slowerThanSmaller ? 'warn' : 'src-detail'} data-testid="pool-slower">
        {result.slowerThanSmaller ?? 'Adding the last machine does not make it slower.'}
      </p>
      <div className="matrix-wrap">
        <table className="compare-table pool-table">
          <caption>Memory per node and device: the layers llama.cpp puts on each (-ts {plan.tensorSplit.join(',')})</caption>
          <thead>
            <tr>
              <th scope="col">Machine</th>
              <th scope="col">Device</th>
              <th scope="col">Layers</th>
              <th scope="col">Weights</th>
              <th scope="col">KV</th>
              <th scope="col">Compute</th>
              <th scope="col">Overhead</th>
              <th scope="col">Total / usable</th>
            </tr>
          </thead>
          {plan.machines.map((machine, index) => {
            const devices = plan.devices.filter((d) => d.machine === index);
            return (
              <tbody key={`${index}-${machine.name}`}>
                {devices.map((device, j) => (
                  <tr key={`${device.label}-${j}`}>
                    {j === 0 && (
                      <th scope="rowgroup" rowSpan={devices.length}>
                        {machine.name}
                        {index === 0 && <span className="muted"> (head)</span>}
                        <br />
                        <span className={machine.fits ? 'muted' : 'warn'}>
                          {formatBytes(machine.totalBytes)} of {formatBytes(machine.usableBytes)}
                        </span>
                      </th>
                    )}
                    <td>{device.label}</td>
                    <td>{device.layers}</td>
                    <td>{formatBytes(device.weightsBytes)}</td>
                    <td>{formatBytes(device.kvBytes)}</td>
                    <td>{formatBytes(device.computeBytes)}</td>
                    <td>{formatBytes(device.overheadBytes)}</td>
                    <td className={device.fits ? undefined : 'warn'}>
                      {formatBytes(device.totalBytes)} / {formatBytes(device.usableBytes)}
                      {!device.fits && ' (over)'}
                    </td>
                  </tr>
                ))}
              </tbody>
            );
          })}
        </table>
      </div>
      <h3 className="pool-h3">Commands</h3>
      <ol className="pool-commands" data-testid="pool-commands">
        {result.commands.map((line, i) => {
          const { where, command } = splitCommand(line);
          return (
            <li key={i}>
              <span className="muted">{where ? `on ${where}` : ''}</span>
              <code>{command}</code>
              <CopyButton text={command} label={where ? `the command for ${where}` : 'the command'} />
            </li>
          );
        })}
      </ol>
      <p className="src-detail">
        At Q4_K_M this pool runs {fitting.length} of {result.models.length} catalog models (`rightsize plan --pool … --json` lists them).
      </p>
    </div>
  );
}
