/**
 * The push of a gzip/zstd-compressed archive (or of any archive that is only a stream, such as an engine's
 * `docker save`), read once front to back: every large entry is pushed as it
 * streams past (the metadata naming it may come later), then the metadata decides which of them form the
 * image and their diff_ids are checked against the configs.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { ArchiveContents, ArchiveLayer, ArchiveManifestImage } from '../archive/formats';
import { readArchiveContents } from '../archive/formats';
import { type ArchiveStorage, scanArchiveStream } from '../archive/open-archive';
import type { Descriptor } from '../registry/manifest';
import { knownBlobs } from './blob-cache';
import { once1, pushLayer } from './push-layer';
import { finishPush } from './push-manifest';
import { imagesToPush, type LayerJob, type LayerOutcome, type PushResult } from './push-options';
import { uploadChunk } from './push-tuning';
import { diffIdMismatch, verifyCompressed } from './push-verify';
import type { Pusher } from './pusher';
import { selectImage } from './select-image';

export async function pushStreamed(
  p: Pusher,
  storage: ArchiveStorage,
  stream?: Readable,
): Promise<PushResult> {
  const archive = p.opts.archivePath;
  const streamed = new Map<
    string,
    { outcome: LayerOutcome; diffId: string; storedAs: ArchiveLayer['storedAs'] }
  >();
  const files = await scanArchiveStream(
    archive,
    stream ?? createReadStream(archive, { highWaterMark: 1 << 20 }),
    storage,
    async (entry) => {
      if (entry.kind !== 'tar' && entry.kind !== 'gzip' && entry.kind !== 'zstd') return; // not a layer
      const storedAs = entry.kind === 'tar' ? 'tar' : entry.kind;
      const progress = p.tracker.addLayer(entry.name, entry.size);
      // The diff_id is not known yet: hash what streams by and compare once the config has been read.
      let diffId = '';
      const layer: ArchiveLayer = { path: entry.name, diffId: '', size: entry.size, storedAs };
      const job: LayerJob = { layer, progress, archive };
      const hashed = async function* (): AsyncGenerator<Uint8Array> {
        const hash = createHash('sha256');
        for await (const c of entry.body) {
          hash.update(c);
          yield c;
        }
        diffId = `sha256:${hash.digest('hex')}`;
        layer.diffId = diffId;
      };
      // Skip the in-pipeline diff_id check (diffId unknown); it is done below against the config.
      const outcome = await pushUnchecked(p, job, hashed, storedAs);
      streamed.set(entry.name, {
        outcome,
        diffId: storedAs === 'tar' ? layer.diffId : outcome.diffId,
        storedAs,
      });
    },
    p.signal,
  );
  const contents: ArchiveContents = await readArchiveContents(files);
  const sel = selectImage(contents, archive, p.opts.image, p.opts.platform);
  const images = imagesToPush(sel);
  p.preflight(sel, images);
  const byImage = new Map<ArchiveManifestImage, LayerOutcome[]>();
  for (const img of images) {
    const list: LayerOutcome[] = [];
    for (const layer of img.layers) {
      if (layer.storedAs === 'foreign') {
        list.push({ descriptor: layer.source as Descriptor, state: 'foreign' });
        continue;
      }
      const seen = streamed.get(files.resolve(layer.path as string));
      if (seen) {
        if (seen.diffId !== layer.diffId)
          throw diffIdMismatch(archive, layer.path as string, layer.diffId, seen.diffId);
        list.push(seen.outcome);
        continue;
      }
      // A small layer kept in memory during the scan.
      const bytes = await files.read(layer.path as string);
      const progress = p.tracker.addLayer(layer.diffId, bytes.length);
      list.push(await pushLayer(p, { layer, progress, archive }, () => once1(bytes)));
    }
    byImage.set(img, list);
  }
  return finishPush(p, sel, byImage);
}

/** Pushes a streamed entry whose diff_id is learnt from the stream and checked against the config later. */
async function pushUnchecked(
  p: Pusher,
  job: LayerJob,
  hashed: () => AsyncGenerator<Uint8Array>,
  storedAs: ArchiveLayer['storedAs'],
): Promise<LayerOutcome & { diffId: string }> {
  const layer = job.layer;
  if (storedAs === 'tar') {
    // hashed() sets layer.diffId when the stream ends, so pushLayer's end-of-stream check passes here;
    // the real check against the config happens once the metadata has been read.
    const outcome = await pushLayer(p, job, hashed);
    return { ...outcome, diffId: layer.diffId };
  }
  // A compressed blob: upload as is; hash the decompressed bytes on the side to learn its diff_id.
  let computed = '';
  const source = verifyCompressed(hashed, {
    archive: job.archive,
    what: `${layer.path}`,
    storedAs: storedAs === 'zstd' ? 'zstd' : 'gzip',
    onRead: (read) => p.tracker.update(job.progress, { bytesDone: read }),
    onDiffId: (diffId) => {
      computed = diffId;
    },
  });
  const { client, target } = p.opts;
  p.tracker.update(job.progress, { state: 'uploading' });
  const fromName = layer.path?.match(/^blobs\/sha256\/([a-f0-9]{64})$/)?.[1];
  const result = await client.uploadBlob(p.repo, source, {
    signal: p.signal,
    chunkSize: uploadChunk(client),
    expectedDigest: fromName ? `sha256:${fromName}` : undefined,
    size: layer.size,
  });
  knownBlobs.record(target.registry, p.repo, result.digest);
  p.tracker.finish(job.progress, 'done');
  return {
    descriptor: { mediaType: p.layerMediaType(storedAs), digest: result.digest, size: result.size },
    state: 'done',
    diffId: computed,
  };
}
