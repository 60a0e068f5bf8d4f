// The fit words a user reads in the terminal and the app: one phrase per level, and a legend that covers every level.
import { describe, expect, it } from 'vitest';
import { FIT_LEGEND, fitHeadline, fitLabel, fitShortLabel, loadPeakNote } from '../../src/shared/fit-words';
import { FIT_LEVELS } from '../../src/shared/precision';

describe('fit words', () => {
  it('name each level the same way in a cell, in a sentence and in a heading', () => {
    expect(FIT_LEVELS.map((fit) => fitShortLabel(fit, 20, 33))).toEqual(['GPU', '20/33', 'CPU', '—']);
    expect(fitLabel('partial', 20, 33)).toBe('20 of 33 layers on the GPU');
    expect(fitLabel('gpu', 33, 33)).toBe('all layers on the GPU');
    expect(fitHeadline('none', 0, 33)).toBe('Too large for this hardware');
  });

  it('has a legend entry for every level, in order', () => {
    expect(FIT_LEGEND.map((entry) => entry.fit)).toEqual([...FIT_LEVELS]);
  });

  it('says "partial" where the layer counts are not known (a ladder step)', () => {
    expect(fitShortLabel('partial')).toBe('partial');
  });

  it('explains a load peak above the usable RAM only where the model fits and what stays in RAM does too', () => {
    // gpt-oss-120b Q4_K_M on a 24 GB card with 64 GB RAM: 36.9 GiB stays in RAM, the peak is 73.2 GiB, 54.4 GiB usable.
    const GiB = 2 ** 30;
    expect(loadPeakNote(73.2 * GiB, 36.9 * GiB, 54.4 * GiB, true)).toMatch(/drops once the copy is made/);
    expect(loadPeakNote(40 * GiB, 36.9 * GiB, 54.4 * GiB, true)).toBeNull();
    expect(loadPeakNote(73.2 * GiB, 60 * GiB, 54.4 * GiB, true)).toBeNull();
    expect(loadPeakNote(73.2 * GiB, 36.9 * GiB, 54.4 * GiB, false)).toBeNull();
  });
});
