/**
 * An engine that fails in the middle of a save has already answered 200 and sent part of the tar, so it
 * appends its error to the stream as a JSON line (`{"errorDetail":{"message"},"error"}`, moby's
 * image_routes.go). To the archive reader that is only a broken tar; this keeps the save's last bytes so
 * the push can report what the engine said instead.
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Enough for the engine's error line (moby's messages are one sentence) and the tar bytes before it. */
const KEEP = 16 * 1024;

/** Passes a save through unchanged and remembers its last KEEP bytes. */
export class SaveTail extends Transform {
  private kept: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor() {
    super();
    this.once('end', () => {
      this.ended = true;
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.kept =
      chunk.length >= KEEP
        ? chunk.subarray(chunk.length - KEEP)
        : Buffer.concat([this.kept.subarray(Math.max(0, this.kept.length + chunk.length - KEEP)), chunk]);
    done(null, chunk);
  }

  /**
   * What the engine said at the end of the save, if it said anything. The archive reader may have failed
   * on the first bytes of the error line, so the rest of the stream is read (and dropped) first, for at
   * most `waitMs`.
   */
  async engineError(waitMs = 1_000): Promise<string | undefined> {
    const said = () => engineErrorIn(this.kept.toString('latin1'));
    if (said() !== undefined || this.ended || this.destroyed || waitMs <= 0) return said();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('end', stop).once('close', stop).once('error', stop);
      this.on('data', () => {
        if (said() !== undefined) stop();
      });
      this.resume();
    });
    return said();
  }
}

/** The message of an engine's error line in `text` (a tar's tail), or undefined when there is none. */
export function engineErrorIn(text: string): string | undefined {
  const at = text.lastIndexOf('{"errorDetail"');
  if (at < 0) return undefined;
  const line = text.slice(at).split(/\r?\n/)[0] ?? '';
  try {
    const j = JSON.parse(line) as { error?: unknown; errorDetail?: { message?: unknown } };
    const message = j.errorDetail?.message ?? j.error;
    if (typeof message === 'string' && message.trim()) return message.trim();
  } catch {
    // Cut short: the message may still be whole.
    const m = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line);
    if (m?.[1]) {
      try {
        return (JSON.parse(`"${m[1]}"`) as string).trim() || undefined;
      } catch {}
    }
  }
  return undefined;
}
