import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openHistory } from '../../src/node/bench/history';
import type { BenchRecord } from '../../src/shared/schema';
import { makeBenchRecord } from '../helpers/bench-record';

const record = (id: string): BenchRecord =>
  makeBenchRecord({
    id,
    at: '2026-11-24T00:00:00.000Z',
    model: { path: '/m.gguf', name: 'm', quant: 'Q4_K_M', paramsB: 1, fileBytes: 1 },
    totalLayers: 17,
    pp: { samples: [100], mean: 100, sd: 0 },
    tg: { samples: [10], mean: 10, sd: 0 },
    loadMs: 10,
    peakRssBytes: 1,
    predictedTgTokPerSec: 9,
    hardware: { cpu: 'x', gpus: [], ramBytes: 1, os: 'linux' },
    source: { kind: 'measured', by: 'test' },
  });

describe('benchmark history', () => {
  it('keeps records across opens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rightsize-history-'));
    openHistory(dir).add(record('a'));
    openHistory(dir).add(record('b'));
    expect(
      openHistory(dir)
        .list()
        .map((r) => r.id),
    ).toEqual(['a', 'b']);
  });

  it('a corrupt file is moved aside with a clear message, and a new history starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rightsize-history-'));
    writeFileSync(join(dir, 'bench-history.json'), '{"records": [ {"truncated');
    const history = openHistory(dir);
    expect(history.problem).toMatch(/could not be read.*moved to/);
    expect(history.list()).toEqual([]);
    expect(readdirSync(dir).some((f) => f.includes('.corrupt-'))).toBe(true);
    history.add(record('c'));
    expect(
      openHistory(dir)
        .list()
        .map((r) => r.id),
    ).toEqual(['c']);
  });

  it('one invalid entry does not lose the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rightsize-history-'));
    writeFileSync(join(dir, 'bench-history.json'), JSON.stringify({ records: [record('ok'), { id: 'broken' }] }));
    expect(
      openHistory(dir)
        .list()
        .map((r) => r.id),
    ).toEqual(['ok']);
    expect(existsSync(join(dir, 'bench-history.json'))).toBe(true);
  });
});
