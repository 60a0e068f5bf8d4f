// The speed formats the ladder's reasons use.
import { describe, expect, it } from 'vitest';
import { formatTokPerSec, formatTokPerSecChange } from '../../src/shared/units';

describe('formatTokPerSecChange', () => {
  it('shows whole tok/s from 10 up, and a decimal where rounding would hide the change', () => {
    expect(formatTokPerSec(17.4)).toBe('17');
    expect(formatTokPerSecChange(17.4, 14.2)).toBe('17 → 14');
    expect(formatTokPerSecChange(11.4, 10.9)).toBe('11.4 → 10.9');
    expect(formatTokPerSecChange(4.25, 2.7)).toBe('4.3 → 2.7');
    expect(formatTokPerSecChange(12, 12)).toBe('12 → 12');
    expect(formatTokPerSecChange(12, null)).toBe('12 → —');
  });
});
