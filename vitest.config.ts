import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests never read or write a developer's cached detection, calibration or benchmark history.
const scratch = mkdtempSync(join(tmpdir(), 'rightsize-test-'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here: keep the pool small so the e2e browser and llama child processes get CPU.
    maxWorkers: 2,
    // No host-started 10 s probe by surprise (the app and web mode run one on a first launch); tests that want it clear this.
    env: { RIGHTSIZE_CACHE_DIR: join(scratch, 'cache'), RIGHTSIZE_DATA_DIR: join(scratch, 'data'), RIGHTSIZE_NO_AUTO_PROBE: '1' },
  },
});
