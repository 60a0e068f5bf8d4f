// GPU power draw while a benchmark generates, read from nvidia-smi (the source systeminformation
// uses for NVIDIA's power figures). Other GPUs have no such reading: the preset's TDP is used.
import { execFile } from 'node:child_process';

/** Parses `nvidia-smi --query-gpu=power.draw --format=csv,noheader,nounits`: one line per GPU, watts. */
export function parsePowerDraw(text: string): number | null {
  const watts = text
    .split(/\r?\n/)
    .map((line) => Number.parseFloat(line.trim()))
    .filter((w) => Number.isFinite(w) && w > 0);
  return watts.length ? watts.reduce((a, b) => a + b, 0) : null;
}

function readPowerDraw(timeoutMs = 2000): Promise<number | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=power.draw', '--format=csv,noheader,nounits'], { timeout: timeoutMs }, (error, stdout) => {
      resolve(error ? null : parsePowerDraw(stdout));
    });
  });
}

/** Samples power every `intervalMs` between start() and stop(); stop() gives the mean, or null. */
export class PowerSampler {
  private samples: number[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly read: () => Promise<number | null> = () => readPowerDraw(),
    private readonly intervalMs = 500,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      // A failed reading is a missing sample: stop() averages the ones that came.
      this.read().then(
        (w) => {
          if (w !== null) this.samples.push(w);
        },
        () => undefined,
      );
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
  }

  stop(): number | null {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.samples.length ? this.samples.reduce((a, b) => a + b, 0) / this.samples.length : null;
  }
}
