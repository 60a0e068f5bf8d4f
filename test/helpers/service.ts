import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService, type Service } from '../../src/node/service';
import type { HardwareSnapshot } from '../../src/shared/schema';

/** The CLI's service on a faked machine, with fresh data and cache folders and no model files on it. */
export function serviceOn(snapshot: HardwareSnapshot): Service {
  const scratch = mkdtempSync(join(tmpdir(), 'rightsize-service-'));
  return createService({
    face: 'cli',
    cacheDir: join(scratch, 'cache'),
    dataDir: join(scratch, 'data'),
    env: {},
    detect: async () => snapshot,
    discover: async () => ({ models: [], searched: [] }),
  });
}
