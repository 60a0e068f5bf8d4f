import { join } from 'node:path';
import { main } from '../../src/cli/index';
import { createService } from '../../src/node/service';
import type { HardwareSnapshot } from '../../src/shared/schema';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `rightsize <args>` in this process through the real service, with `detected` as the
 * machine, no model files found, data and cache folders under `root`, and `env` as its environment.
 */
export async function runCliInProcess(
  args: string[],
  detected: HardwareSnapshot,
  root: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), isTTY: false, env };
  const code = await main(args, io, {
    createService: (o) =>
      createService({
        ...o,
        detect: async () => detected,
        discover: async () => ({ models: [], searched: [] }),
        dataDir: join(root, 'data'),
        cacheDir: join(root, 'cache'),
        // The CLI's environment (with --hf-token folded in), never this process's.
        env: o.env ?? env,
      }),
  });
  return { code, stdout, stderr };
}
