// The speed formats the ladder's reasons use.
import { contextForTask } from '../../src/shared/ladder';
import { describe, expect, it } from 'vitest';
import { formatTokPerSec, formatTokPerSecChange, formatWait } from '../../src/shared/units';

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

describe('formatWait', () => {
  it('reads at a glance: tenths under 10 s, whole seconds to 90 s, then minutes and hours', () => {
    expect(formatWait(8.04)).toBe('8.0 s');
    expect(formatWait(45.4)).toBe('45 s');
    expect(formatWait(150)).toBe('3 min');
    expect(formatWait(3600)).toBe('1 h');
    expect(formatWait(3720)).toBe('1 h 2 min');
    expect(formatWait(Number.NaN)).toBe('—');
  });
});

describe('contextForTask', () => {
  it('raises a context under 32k to 32k on entering long documents, and leaves every other change alone', () => {
    expect(contextForTask('chat', 'long-docs', 8192)).toBe(32768);
    expect(contextForTask('chat', 'long-docs', 65536)).toBe(65536);
    // Already on long documents (a priority change, a second benchmark): the user's own context stays.
    expect(contextForTask('long-docs', 'long-docs', 8192)).toBe(8192);
    expect(contextForTask('long-docs', 'chat', 32768)).toBe(32768);
    expect(contextForTask('chat', 'coding', 8192)).toBe(8192);
  });
});
