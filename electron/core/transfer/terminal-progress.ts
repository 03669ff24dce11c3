/**
 * Progress for the CLI: on a terminal, one line per layer plus a total line, redrawn in place; otherwise
 * (pipes, CI logs) a plain line whenever a layer changes state, so logs stay short and greppable.
 */
import { formatSize } from '../../../shared/sizes';
import type { TransferProgress } from './progress';

const size = (bytes: number) => formatSize(bytes, 'decimal');

function short(digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return /^[a-f0-9]{64}$/.test(hex) ? hex.slice(0, 12) : digest.slice(-24);
}

function eta(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? ` eta ${m}m${String(s).padStart(2, '0')}s` : ` eta ${s}s`;
}

export interface ProgressDisplay {
  update(p: TransferProgress): void;
  /** Leaves the last frame on screen. */
  done(): void;
}

export function progressDisplay(write: (s: string) => void, tty: boolean): ProgressDisplay {
  let drawn = 0;
  const lastState = new Map<number, string>();
  return {
    update(p) {
      if (tty) {
        const lines = p.layers.map((l) => {
          const pct = l.size > 0 ? Math.floor((l.bytesDone / l.size) * 100) : 100;
          return `${short(l.digest)}  ${l.state.padEnd(11)} ${String(pct).padStart(3)}%  ${size(l.bytesDone)} / ${size(l.size)}`;
        });
        lines.push(`total  ${size(p.bytesDone)} / ${size(p.bytesTotal)}  ${size(p.rate)}/s${eta(p.eta)}`);
        // Move up over the previous frame and clear each line as it is rewritten.
        const up = drawn > 0 ? `\x1b[${drawn}F` : '';
        write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
        drawn = lines.length;
        return;
      }
      p.layers.forEach((l, i) => {
        if (lastState.get(i) === l.state || l.state === 'waiting') return;
        lastState.set(i, l.state);
        write(`${short(l.digest)}: ${l.state} (${size(l.size)})\n`);
      });
    },
    done() {
      drawn = 0;
    },
  };
}
