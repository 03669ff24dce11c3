/**
 * Reads what the prune planner needs from a registry: every tag's digest, each manifest once, an image's
 * config for its created date, an index's children. A few requests at a time.
 */
import type { RegistryClient } from '../registry/client';
import { isLadingError } from '../registry/errors';
import { isIndex } from '../registry/manifest';
import { isNonDistributable, MediaType } from '../registry/mediatypes';
import { digestName, manifestReference, repositoryName } from '../registry/names';
import { runLimited, SLOT_SHARES } from '../transfer/run-limited';
import { isReferrerTag } from './copy';
import type { PruneSnapshot, SnapshotManifest } from './prune-plan';

export type PruneReadClient = Pick<
  RegistryClient,
  'registry' | 'tags' | 'headManifest' | 'getManifest' | 'getConfig'
>;

const CREATED = 'org.opencontainers.image.created';

export async function readPruneSnapshot(
  client: PruneReadClient,
  repository: string,
  opts: {
    concurrency?: number;
    signal?: AbortSignal;
    /** tag → digest when the host lists them itself (GitHub's versions): no tag listing, no HEADs. */
    tags?: Record<string, string>;
    /** Untagged manifests the host lists (GitHub's untagged versions); one that cannot be found is left out. */
    untagged?: string[];
  } = {},
): Promise<PruneSnapshot> {
  const call = { signal: opts.signal };
  const limit = opts.concurrency ?? 8;
  const each = <T, R>(items: T[], fn: (item: T) => Promise<R>) =>
    runLimited(
      items,
      limit,
      () => SLOT_SHARES,
      fn,
      () => {},
    );
  const snapshot: PruneSnapshot = { repository, tags: { ...opts.tags }, manifests: {} };
  if (!opts.tags) {
    const repo = repositoryName(repository);
    const tags = await client.tags(repo, call);
    const heads = await each(tags, (t) => client.headManifest(repo, manifestReference(t), call));
    tags.forEach((t, i) => {
      const d = heads[i]?.digest;
      if (d) snapshot.tags[t] = d; // a tag deleted since the listing is simply not there
    });
  }

  // A referrer's date does not matter (it goes or stays with its image): its config is not read.
  const dated = new Set(Object.entries(snapshot.tags).flatMap(([t, d]) => (isReferrerTag(t) ? [] : [d])));
  const listed = new Set(opts.untagged);
  let wave = [...new Set([...Object.values(snapshot.tags), ...listed])].map((digest) => ({
    digest,
    dated: dated.has(digest),
  }));
  for (let depth = 0; wave.length && depth < 3; depth++) {
    const read = await each(wave, (w) =>
      readManifest(client, repository, w.digest, w.dated, call).catch((e) => {
        // An untagged version whose manifest cannot be read stays out: the planner never deletes it.
        if (listed.has(w.digest) && !dated.has(w.digest) && !opts.signal?.aborted && isLadingError(e))
          return undefined;
        throw e;
      }),
    );
    const next: typeof wave = [];
    wave.forEach((w, i) => {
      const m = read[i];
      if (!m) return;
      snapshot.manifests[w.digest] = m;
      for (const c of m.children) if (!snapshot.manifests[c]) next.push({ digest: c, dated: w.dated });
    });
    wave = [...new Map(next.map((n) => [n.digest, n])).values()];
  }
  return snapshot;
}

async function readManifest(
  client: PruneReadClient,
  repository: string,
  digest: string,
  dated: boolean,
  call: { signal?: AbortSignal },
): Promise<SnapshotManifest> {
  const repo = repositoryName(repository);
  const { manifest, mediaType } = await client.getManifest(repo, digestName(digest), call);
  if (isIndex(manifest)) {
    return {
      mediaType,
      created: manifest.annotations?.[CREATED],
      children: manifest.manifests.map((c) => c.digest),
      blobs: [],
    };
  }
  const blobs = [manifest.config, ...manifest.layers]
    .filter((b) => !isNonDistributable(b.mediaType))
    .map((b) => ({ digest: b.digest, size: b.size }));
  let created = manifest.annotations?.[CREATED];
  const imageConfig = [MediaType.ociConfig, MediaType.dockerConfig] as string[];
  if (dated && imageConfig.includes(manifest.config.mediaType)) {
    // An artifact's config is no image config: its date, if any, is in the annotation.
    created = (await client.getConfig(repo, manifest.config, call)).config.created ?? created;
  }
  return { mediaType, created, children: [], blobs };
}
