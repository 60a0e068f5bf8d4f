// The probe calibrates this machine's CPU: a what-if of other GPUs keeps that calibration, a whole machine preset
// with a CPU of its own (an office laptop, a Mac) is estimated from bandwidth, with no prompt speed or wait.
import { describe, expect, it } from 'vitest';
import { HostApiSchemas } from '../../src/shared/api';
import { buildReportFor } from '../../src/node/report-for-request';
import { GiB } from '../../src/shared/units';
import { makeCalibration, makeSnapshot } from '../helpers/hardware';

const detected = { snapshot: makeSnapshot({ ramBytes: 32 * GiB, cpuBandwidth: 60e9 }), detectMs: 0 };
const calibration = makeCalibration({
  tgBytesPerSecByType: { Q4_K: 20e9, Q6_K: 20e9, Q8_0: 30e9, Q5_0: 10e9, F16: 40e9 },
  ppFlopsByType: { Q4_K: 400e9, Q6_K: 300e9, Q8_0: 500e9, Q5_0: 200e9, F16: 300e9 },
  threads: { pp: 8, tg: 8 },
});
const reportFor = (whatIf: object | undefined) =>
  buildReportFor(HostApiSchemas.getReport.input.parse({ contextTokens: 8192, ...(whatIf ? { whatIf } : {}) }), detected, [], calibration);
const llama8b = (r: Awaited<ReturnType<typeof reportFor>>) => r.rows.find((x) => x.modelId === 'llama-3.1-8b' && x.quant === 'Q4_K_M');

describe('the calibration a report is sized with', () => {
  it("is this machine's where the CPU is this machine's: here, and with other GPUs planned", async () => {
    const here = await reportFor(undefined);
    expect(here.calibration).toEqual(calibration);
    expect(llama8b(here)?.fullPromptSeconds).toBeGreaterThan(0);
    const gpu = await reportFor({ gpuName: 'RTX 3060', ramBytes: 32 * GiB });
    expect(gpu.hardware.whatIf).toBe(true);
    expect(gpu.calibration).toEqual(calibration);
  });

  it('is none for a whole machine preset, whose CPU the probe never measured', async () => {
    const laptop = await reportFor({ machine: 'office-laptop-16gb' });
    expect(laptop.hardware.cpu.model).not.toBe(detected.snapshot.cpu.model);
    expect(laptop.calibration).toBeNull();
    const row = llama8b(laptop);
    expect(row?.fit).toBe('cpu');
    expect(row?.promptTokPerSec).toBeNull();
    expect(row?.fullPromptSeconds).toBeUndefined();
  });
});
