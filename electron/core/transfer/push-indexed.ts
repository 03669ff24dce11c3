/**
 * The push of a plain tar: indexed once, then every layer streamed from its offset, several at once, with
 * the configs going up alongside. The preflight runs before any blob is sent.
 */
import type { ArchiveManifestImage } from '../archive/formats';
import { openIndexedArchive } from '../archive/open-archive';
import { pushConfig, pushLayer } from './push-layer';
import { finishPush } from './push-manifest';
import { imagesToPush, type LayerJob, type LayerOutcome, type PushResult } from './push-options';
import { layerWeight } from './push-tuning';
import type { Pusher } from './pusher';
import { runLimited } from './run-limited';
import { selectImage } from './select-image';

export async function pushIndexed(p: Pusher): Promise<PushResult> {
  const opts = p.opts;
  const archive = opts.archivePath;
  const opened = await openIndexedArchive(archive);
  try {
    const sel = selectImage(opened.contents, archive, opts.image, opts.platform);
    const images = imagesToPush(sel);
    p.preflight(sel, images);
    const jobs: { img: ArchiveManifestImage; job: LayerJob }[] = [];
    // A layer shared by several platforms is pushed once.
    const byKey = new Map<string, Promise<LayerOutcome>>();
    for (const img of images) {
      for (const layer of img.layers) {
        jobs.push({
          img,
          job: {
            layer,
            archive,
            progress: p.tracker.addLayer(layer.source?.digest ?? layer.diffId, layer.size),
          },
        });
      }
    }
    // The configs go up alongside the layers (they are known already), not in a round-trip chain after
    // them. Whichever fails first (a config or a layer) stops the other and is the error reported.
    let firstError: unknown;
    const fail = (e: unknown) => {
      if (firstError === undefined) firstError = e;
      p.abort(e);
    };
    const configs = Promise.all(images.map((img) => pushConfig(p, img))).then(() => {}, fail);
    const outcomes = await runLimited(
      jobs,
      opts.concurrency ?? 3,
      ({ job }) => layerWeight(job.layer.size),
      ({ job }) => {
        const key = `${job.layer.path}|${job.layer.diffId}`;
        let pending = byKey.get(key);
        if (!pending) {
          const path = job.layer.path as string;
          pending = pushLayer(
            p,
            job,
            () => opened.open(path),
            () => opened.reader(path),
          );
          byKey.set(key, pending);
        } else {
          pending.then(
            () => p.tracker.finish(job.progress, 'exists'),
            () => {},
          );
        }
        return pending.catch((e) => {
          p.tracker.finish(job.progress, 'failed');
          throw e;
        });
      },
      fail,
    ).catch(async (e: unknown) => {
      await configs;
      throw firstError ?? e;
    });
    await configs;
    if (firstError !== undefined) throw firstError;
    const byImage = new Map<ArchiveManifestImage, LayerOutcome[]>();
    jobs.forEach(({ img }, i) => {
      const list = byImage.get(img) ?? [];
      list.push(outcomes[i] as LayerOutcome);
      byImage.set(img, list);
    });
    return await finishPush(p, sel, byImage, true);
  } finally {
    await opened.close();
  }
}
