import { Presets, SingleBar } from 'cli-progress';

/** One long operation's progress: where it stands out of `total`. */
export interface Progress {
  update(done: number): void;
  stop(): void;
}

/**
 * Where the scripts report progress and notes. The CLIs draw bars on stderr
 * (stdout stays for results); tests and library callers pass
 * {@link silentReporter} so nothing is drawn.
 */
export interface ProgressReporter {
  progress(label: string, total: number, unit: string): Progress;
  note(message: string): void;
}

export const silentReporter: ProgressReporter = {
  progress: () => ({ update: () => undefined, stop: () => undefined }),
  note: () => undefined,
};

/** Progress bars with rate and ETA on stderr; without a terminal, a progress line every 5 s. */
export function terminalReporter(): ProgressReporter {
  return {
    progress(label, total, unit) {
      const startedAt = Date.now();
      const bar = new SingleBar(
        {
          format: `${label.padEnd(10)} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          // In logs and CI (no terminal), a plain progress line every 5 s instead of a redrawn bar.
          noTTYOutput: true,
          notTTYSchedule: 5000,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      );
      bar.start(total, 0, { rate: 0 });
      const rate = (done: number): number => Math.round(done / Math.max((Date.now() - startedAt) / 1000, 0.001));
      return {
        update: (done) => bar.update(done, { rate: rate(done) }),
        stop: () => bar.stop(),
      };
    },
    note: (message) => process.stderr.write(`${message}\n`),
  };
}
