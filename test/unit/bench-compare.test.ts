import { describe, expect, it } from 'vitest';
import { compareWithLlamaBench, tgMethodNote } from '../../src/shared/bench-compare';
import { makeBenchRecord } from '../helpers/bench-record';

describe('how a tg figure was timed', () => {
  it("names llama.cpp's decode timer and the extra time per token of node-llama-cpp's loop", () => {
    // 400 t/s by the timer (2.5 ms), 300 through the loop (3.33 ms): 0.83 ms more per token.
    const note = tgMethodNote(makeBenchRecord());
    expect(note).toMatch(/decode timer, as llama-bench and llama-server run it/);
    expect(note).toMatch(/ran at 300\.0 t\/s \(0\.83 ms more per token\)/);
  });

  it('says when a figure is the loop wall clock (records from before the timer was read)', () => {
    expect(tgMethodNote(makeBenchRecord({ tgMethod: 'loop-wall', tgLoop: null }))).toMatch(
      /wall clock of node-llama-cpp's JavaScript loop/,
    );
  });

  it('does not blame the JavaScript round trip for a gap the decode timer leaves out', () => {
    const llamaBench = {
      binary: 'llama-bench',
      version: null,
      pp: null,
      tg: { samples: [500], mean: 500, sd: 0, threads: 1 },
      error: null,
    };
    const timer = compareWithLlamaBench(makeBenchRecord({ llamaBench, threads: { pp: 1, tg: 1, sweep: [] } }));
    expect(timer?.gaps.join(' ')).not.toMatch(/JavaScript/);
    const wall = compareWithLlamaBench(makeBenchRecord({ llamaBench, tgMethod: 'loop-wall', threads: { pp: 1, tg: 1, sweep: [] } }));
    expect(wall?.gaps.join(' ')).toMatch(/round trip through JavaScript/);
  });
});
