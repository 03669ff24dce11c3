/**
 * Push an image archive to a registry. Plain tars are indexed and every layer streamed from its offset
 * (several layers at once, push-indexed.ts); gzip/zstd-compressed tars are streamed once, each layer handled
 * as it passes (push-streamed.ts). Uncompressed layers are compressed on the way (parallel gzip, or zstd),
 * their diff_id checked in the same pass; compressed blobs go up as they are (push-layer.ts). The manifest
 * is PUT only after every blob is in the registry and every check passed (push-manifest.ts), so a failed or
 * cancelled push never creates a tag.
 *
 * This is the module callers import: it keeps the public names of the push modules.
 */
import { probeArchive } from '../archive/open-archive';
import { pushIndexed } from './push-indexed';
import type { PushOptions, PushResult } from './push-options';
import { pushStreamed } from './push-streamed';
import { cancelledError, Pusher } from './pusher';

export type {
  Compression,
  PushClient,
  PushedLayer,
  PushOptions,
  PushPlan,
  PushPreflight,
  PushResult,
} from './push-options';
export { layerWeight } from './push-tuning';

import { FAR_PING_MS } from './push-tuning';

export async function pushArchive(opts: PushOptions): Promise<PushResult> {
  const p = new Pusher(opts);
  const archive = opts.archivePath;
  // Meet the registry while the archive is read: the first connection and the /v2/ ping that settles the
  // auth scheme would otherwise be a serial round trip before the first upload (a tenth of a small push).
  // Read-only; if it fails, the first real request meets the same failure and reports it.
  // A ping that takes long says the registry is far (a wide-area link): large layers then compress and
  // upload at once from the start rather than once the first one's upload has fallen behind.
  const pinged = performance.now();
  opts.client.ping?.({ signal: p.signal }).then(
    () => {
      if (performance.now() - pinged >= FAR_PING_MS) p.linkBound();
    },
    () => {},
  );
  try {
    // A stream cannot be indexed: the streamed path reads it once, however it is stored.
    if (opts.archiveStream) return await pushStreamed(p, 'tar', opts.archiveStream);
    const storage = await probeArchive(archive);
    if (storage === 'tar') return await pushIndexed(p);
    return await pushStreamed(p, storage);
  } catch (e) {
    opts.archiveStream?.destroy();
    p.tracker.flush();
    if (p.signal.aborted && opts.signal?.aborted) throw cancelledError(opts.signal);
    throw e;
  }
}
