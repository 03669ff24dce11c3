/**
 * Push an engine's image to a registry: the engine's `docker save` (GET /images/get) streams straight into
 * the archive push's streamed path (verification, compression, progress, cancel) through pushToRegistry,
 * so GitHub's rules apply as for a file. Nothing is written to disk.
 */
import { pipeline, type Readable } from 'node:stream';
import { type PushOperation, type PushOutcome, pushToRegistry } from '../operations/push';
import { LadingError } from '../registry/errors';
import type { EngineClient } from './engine-client';
import { saveFailed } from './engine-errors';
import { inspectLocalImage } from './images';
import { SaveTail } from './save-tail';

export interface EnginePushOperation extends Omit<PushOperation, 'archivePath' | 'archiveStream' | 'image'> {
  engine: EngineClient;
  /** The local image: name[:tag], name@digest or an image id. */
  localImage: string;
}

/** How an engine image is named in messages: as the CLI takes it (skopeo's transport name), any engine. */
export function engineImageLabel(name: string): string {
  return `docker-daemon:${name}`;
}

/** The engine's docker-save tar of one image, as a stream; a missing image is a clear error first. */
export async function saveLocalImage(
  engine: EngineClient,
  name: string,
  signal?: AbortSignal,
): Promise<Readable> {
  // Inspect first: a save of a missing image fails inside the engine, worded as the engine likes.
  await inspectLocalImage(engine, name, signal);
  const r = await engine.call('GET', '/images/get', { query: { names: name }, signal, long: true });
  if (r.status !== 200) throw await engine.failure(r, `to save ${name}`);
  return r.body;
}

export async function pushFromEngine(op: EnginePushOperation): Promise<PushOutcome> {
  const { engine, localImage, ...push } = op;
  const tail = new SaveTail();
  // pipeline: a broken connection to the engine fails the push's reading, and a destroyed tail the save.
  const stream = pipeline(await saveLocalImage(engine, localImage, op.signal), tail, () => {});
  try {
    return await pushToRegistry({
      ...push,
      archivePath: engineImageLabel(localImage),
      archiveStream: stream,
    });
  } catch (e) {
    // A save the engine broke off reads as a broken archive: what the engine said is the real reason.
    // Only a reading failure waits for the rest of the line; a registry's refusal is not held up.
    const reading =
      e instanceof LadingError && (e.code === 'archive-invalid' || e.code === 'digest-mismatch');
    const said = op.signal?.aborted ? undefined : await tail.engineError(reading ? 1_000 : 0);
    if (said !== undefined) throw saveFailed(localImage, engine.label, said);
    throw e;
  } finally {
    // Read to the end on success; on a refusal before the scan started, the engine's save must stop too.
    stream.destroy();
  }
}
