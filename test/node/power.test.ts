import { describe, expect, it } from 'vitest';
import { parsePowerDraw, PowerSampler } from '../../src/node/bench/power';

describe('GPU power draw', () => {
  it('parses nvidia-smi power.draw, summing several GPUs', () => {
    expect(parsePowerDraw('285.43\n')).toBeCloseTo(285.43);
    expect(parsePowerDraw('120.5\n130.25\n')).toBeCloseTo(250.75);
    expect(parsePowerDraw('[N/A]\n')).toBeNull();
    expect(parsePowerDraw('')).toBeNull();
  });

  it('averages samples taken while running, and gives nothing without a reading', async () => {
    const readings = [200, 300, 250];
    const sampler = new PowerSampler(async () => readings.shift() ?? null, 5);
    sampler.start();
    await new Promise((r) => setTimeout(r, 40));
    expect(sampler.stop()).toBeCloseTo(250);
    const none = new PowerSampler(async () => null, 5);
    none.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(none.stop()).toBeNull();
  });
});
