// The benchmark history read for a report, without loading `conf` (which every report would
// otherwise pay for at start): the same file, every record that validates, nothing written.
// A missing or unreadable file is no runs; opening the store proper (history, bench) reports it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchRecordSchema, type BenchRecord } from '../../shared/schema';

export async function readHistoryRecords(dir: string): Promise<BenchRecord[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, 'bench-history.json'), 'utf8'));
  } catch {
    return [];
  }
  const records = (raw as { records?: unknown } | null)?.records;
  return (Array.isArray(records) ? records : []).flatMap((r) => {
    const parsed = BenchRecordSchema.safeParse(r);
    return parsed.success ? [parsed.data] : [];
  });
}
