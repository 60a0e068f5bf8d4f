// Where generated models are written before they are measured. On Linux, /dev/shm (RAM-backed):
// a file just written to disk keeps the kernel flushing it for the next half minute, and that
// writeback competes with the measurement (measured here: a 490 MB Q8_0 model generated at 53-57
// tok/s straight after writing to disk, 63-64 from /dev/shm; writing took 1.5 s vs 0.55 s).
// A RAM disk holds memory until its files are removed, so each folder names its owner process and
// folders whose owner died (a killed probe) are removed by the next run.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GiB } from '../../shared/units';

const RAM_DISK = '/dev/shm';
const OWNER = 'owner.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes folders of `prefix` left in `root` by processes that no longer run. */
export function removeStaleScratch(prefix: string, root = RAM_DISK): void {
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(root, name);
    try {
      const pid = Number(readFileSync(join(dir, OWNER), 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue;
    } catch {
      // no owner file: a folder of an older version, or half made; it is ours by its prefix
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A new private folder for `bytes` of generated models, in RAM where the OS offers it and memory allows. */
export function makeScratchDir(prefix: string, bytes: number): string {
  if (process.platform === 'linux') {
    try {
      removeStaleScratch(prefix);
      const fs = statfsSync(RAM_DISK);
      // Leave room: a RAM disk that fills up takes memory from everything else.
      if (fs.bavail * fs.bsize > bytes + GiB && freemem() > bytes + 2 * GiB) {
        const dir = mkdtempSync(join(RAM_DISK, prefix));
        writeFileSync(join(dir, OWNER), String(process.pid));
        return dir;
      }
    } catch {
      // no /dev/shm (containers may lack it): the usual temp folder
    }
  }
  return mkdtempSync(join(tmpdir(), prefix));
}
