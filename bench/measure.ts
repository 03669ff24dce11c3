/**
 * Runs a command to completion and measures it from outside: wall time, and peak RSS read from the child's
 * /proc/PID/status (VmHWM, the high-water mark of its own address space). Not `ru_maxrss` of the child:
 * Linux carries a parent's maxrss across fork+exec, so a child of a large bench process reports the
 * parent's figure.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface Measured {
  ms: number;
  stderr: string;
  /** Peak RSS in MiB, or undefined where /proc is not there (not Linux). */
  peakMiB?: number;
}

/** VmHWM in KiB, or undefined once the process is gone. */
async function highWaterKiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Throws with the command's stderr when it exits non-zero. */
export function measure(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  pollMs = 10,
): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKiB = 0;
    let polling = false;
    // VmHWM only grows, so the last reading before exit is the peak within one polling interval.
    const timer = setInterval(() => {
      if (polling || child.pid === undefined) return;
      polling = true;
      void highWaterKiB(child.pid).then((kib) => {
        polling = false;
        if (kib !== undefined && kib > peakKiB) peakKiB = kib;
      });
    }, pollMs);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      const ms = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      resolve({ ms, stderr, peakMiB: peakKiB > 0 ? peakKiB / 1024 : undefined });
    });
  });
}
