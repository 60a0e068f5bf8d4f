// Generated models live in RAM (/dev/shm) while measured; a killed probe must not leave them there.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeScratchDir, removeStaleScratch } from '../../src/node/probe/scratch';

describe('scratch folders for generated models', () => {
  it('removes folders whose owner process is gone, and keeps those of running ones', () => {
    const root = mkdtempSync(join(tmpdir(), 'scratch-root-'));
    const dead = join(root, 'rightsize-probe-dead');
    const live = join(root, 'rightsize-probe-live');
    const orphan = join(root, 'rightsize-probe-orphan');
    const other = join(root, 'someone-else');
    for (const dir of [dead, live, orphan, other]) mkdirSync(dir);
    // A pid far above any the kernel hands out stands for a process that has exited.
    writeFileSync(join(dead, 'owner.pid'), '2147483646');
    writeFileSync(join(live, 'owner.pid'), String(process.pid));
    removeStaleScratch('rightsize-probe-', root);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });

  it('makes a private folder, in RAM on Linux when memory allows', () => {
    const dir = makeScratchDir('rightsize-test-', 1e6);
    expect(existsSync(dir)).toBe(true);
    if (process.platform === 'linux' && existsSync('/dev/shm')) expect(dir.startsWith('/dev/shm/')).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
