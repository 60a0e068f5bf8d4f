// Benchmark history, kept with the hardware each run was measured on. Stored with `conf` (the
// library under electron-store, same file format), so the CLI, the web mode and the app share it.
// A corrupt file is moved aside with a clear message; nothing half-written is ever saved.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';
import { BenchRecordSchema, type BenchRecord } from '../../shared/schema';
import { defaultDataDir } from '../data-dir';

const MAX_RECORDS = 500;

export interface HistoryStore {
  readonly path: string;
  /** Set when the file could not be read and was moved aside. */
  readonly problem: string | null;
  list(): BenchRecord[];
  add(record: BenchRecord): void;
  clear(): void;
}

type Stored = { records: unknown[] };

export function openHistory(dir: string = defaultDataDir()): HistoryStore {
  const options = {
    cwd: dir,
    configName: 'bench-history',
    projectName: 'rightsize',
    defaults: { records: [] } as Stored,
    clearInvalidConfig: false,
  };
  let problem: string | null = null;
  let conf: Conf<Stored>;
  try {
    conf = new Conf<Stored>(options);
  } catch (error) {
    const file = join(dir, 'bench-history.json');
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    if (existsSync(file)) renameSync(file, aside);
    problem = `The benchmark history (${file}) could not be read (${(error as Error).message.split('\n')[0]}); it was moved to ${aside} and a new history was started.`;
    conf = new Conf<Stored>(options);
  }
  const read = (): BenchRecord[] => {
    const raw = conf.get('records');
    // Keep every record that still validates; one bad entry does not lose the rest.
    return (Array.isArray(raw) ? raw : []).flatMap((r) => {
      const parsed = BenchRecordSchema.safeParse(r);
      return parsed.success ? [parsed.data] : [];
    });
  };
  return {
    path: conf.path,
    problem,
    list: read,
    add(record) {
      const valid = BenchRecordSchema.parse(record);
      conf.set('records', [...read(), valid].slice(-MAX_RECORDS));
    },
    clear() {
      conf.set('records', []);
    },
  };
}
