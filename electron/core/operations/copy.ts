/**
 * Copying an image or a whole index from one repository to another, on the same registry or another, with
 * no disk in between (crane copy, skopeo copy docker:// docker://). Blobs first, several at once: the
 * target's own first (HEAD), then a cross-repository mount on the same registry, else the source's GET
 * streamed into the target's upload, verified as it flows. Manifests after their blobs, children before
 * the index, the tag last: an interrupted copy never leaves a tag on a partial image.
 */
import { isGitHubKind } from '../../../shared/connection-kinds';
import { referenceSeparator } from '../../../shared/reference-grammar';
import { formatSize } from '../../../shared/sizes';
import type { Connection, SyncResult } from '../../../shared/types';
import { githubKindForPushTarget } from '../github/push-preflight';
import { githubPushChecks } from '../github/push-rules';
import type { RegistryClient } from '../registry/client';
import { LadingError, toErrorInfo } from '../registry/errors';
import { parsePlatform, selectPlatform } from '../registry/inspect';
import { type Descriptor, type ImageManifest, isIndex, type Manifest } from '../registry/manifest';
import { isNonDistributable } from '../registry/mediatypes';
import {
  type Digest,
  digestName,
  type ManifestReference,
  manifestReference,
  type RepositoryName,
  type Tag,
  tagName,
} from '../registry/names';
import { isValidDigest, validateTag } from '../registry/reference';
import { type ReferrerDescriptor, referrersFromApi } from '../registry/referrers';
import type { RegistrySession } from '../registry/session';
import { cancelled } from '../registry/transport';
import { addToTagSchema } from '../supply/attach';
import { type ProgressListener, ProgressTracker } from '../transfer/progress';
import { layerWeight } from '../transfer/push-tuning';
import { runLimited } from '../transfer/run-limited';

/** What a copy asks of each side's client (RegistryClient has it all). */
export type CopyClient = Pick<
  RegistryClient,
  | 'registry'
  | 'getManifest'
  | 'getConfig'
  | 'headManifest'
  | 'putManifest'
  | 'blobExists'
  | 'mountBlob'
  | 'openBlob'
  | 'uploadBlob'
  | 'tags'
> &
  RegistrySession;

export interface CopyOptions {
  source: { client: CopyClient; repository: RepositoryName; reference: ManifestReference };
  /** No tag: the source's tag when it was a tag, else the copy is put by digest alone. */
  target: { client: CopyClient; repository: RepositoryName; tag?: Tag };
  /** The target's kind, when it is a saved connection: GitHub's push rules for GitHub kinds and hosts. */
  targetKind?: Connection['kind'];
  /** One platform of an index (OS/ARCH[/VARIANT]): that platform's image manifest is copied, alone. */
  platform?: string;
  /** Also copy the signatures, attestations and SBOMs tagged after the image (`sha256-HEX[.sig|.att|.sbom]`). */
  referrers?: boolean;
  /** Blobs in flight at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  onWarning?: (message: string) => void;
}

export interface CopyResult {
  source: string;
  target: string;
  digest: string;
  mediaType: string;
  blobs: { copied: number; mounted: number; existing: number };
  /** Blob bytes that actually moved between the registries. */
  bytes: number;
  /** Tags copied along as referrers (signatures, attestations, SBOMs). */
  referrers: string[];
}

/** "3 blobs copied (12 MB), 1 mounted, 2 already there" (decimal units, as the terminal prints sizes). */
export function copyCounts(result: Pick<CopyResult, 'blobs' | 'bytes'>): string {
  const { copied, mounted, existing } = result.blobs;
  return [
    `${copied} blob${copied === 1 ? '' : 's'} copied (${formatSize(result.bytes, 'decimal')})`,
    ...(mounted ? [`${mounted} mounted`] : []),
    ...(existing ? [`${existing} already there`] : []),
  ].join(', ');
}

interface Node {
  digest: string;
  mediaType: string;
  bytes: Buffer;
  manifest: Manifest;
}

/** The source reference as a tag, when it is one. */
const tagOf = (reference: string) => (isValidDigest(reference) ? undefined : reference);

/**
 * The manifests to put, children before their index (one level of nesting followed: an index of indexes is
 * what BuildKit never writes, but a registry may hold one).
 */
async function manifestTree(
  client: CopyClient,
  repository: RepositoryName,
  root: Node,
  opts: { signal?: AbortSignal },
  depth = 0,
): Promise<Node[]> {
  if (!isIndex(root.manifest)) return [root];
  if (depth > 1) {
    throw new LadingError('unsupported', `${repository}@${root.digest} nests indexes more than two deep.`, {
      hint: 'Copy the inner index by its digest instead.',
    });
  }
  const out: Node[] = [];
  for (const child of root.manifest.manifests) {
    const c = await client.getManifest(repository, digestName(child.digest), opts);
    out.push(...(await manifestTree(client, repository, c, opts, depth + 1)));
  }
  out.push(root);
  return out;
}

/** Unique blobs of the images, foreign (non-distributable) layers apart: those stay references. */
function blobsOf(nodes: Node[]): { blobs: Descriptor[]; foreign: number } {
  const seen = new Map<string, Descriptor>();
  let foreign = 0;
  for (const n of nodes) {
    if (isIndex(n.manifest)) continue;
    const m = n.manifest as ImageManifest;
    for (const d of [m.config, ...m.layers]) {
      if (isNonDistributable(d.mediaType)) foreign++;
      else if (!seen.has(d.digest)) seen.set(d.digest, d);
    }
  }
  return { blobs: [...seen.values()], foreign };
}

/** GitHub's push rules for a GitHub target, before any byte moves; errors refuse, warnings are passed on. */
async function checkTargetRules(
  opts: CopyOptions,
  tag: string | undefined,
  nodes: Node[],
): Promise<string[]> {
  const registry = opts.target.client.registry;
  const kind =
    opts.targetKind && isGitHubKind(opts.targetKind) ? opts.targetKind : githubKindForPushTarget(registry);
  if (!kind) return [];
  const root = nodes.at(-1) as Node;
  const images = nodes.filter((n) => !isIndex(n.manifest)).map((n) => n.manifest as ImageManifest);
  const first = images[0];
  const labels = first
    ? ((await opts.source.client.getConfig(opts.source.repository, first.config, { signal: opts.signal }))
        .config.config?.Labels ?? undefined)
    : undefined;
  const checks = githubPushChecks({
    connectionKind: kind,
    registry,
    repository: opts.target.repository,
    tag,
    labels,
    manifestAnnotations: isIndex(root.manifest) ? undefined : root.manifest.annotations,
    indexAnnotations: isIndex(root.manifest) ? (root.manifest.annotations ?? {}) : undefined,
    layerSizes: images.flatMap((m) =>
      m.layers.filter((l) => !isNonDistributable(l.mediaType)).map((l) => l.size),
    ),
    hasForeignLayers: images.some((m) => m.layers.some((l) => isNonDistributable(l.mediaType))),
  });
  if (checks.errors.length) {
    throw new LadingError('invalid-input', checks.errors.join(' '), {
      hint: `Nothing was copied. Choose a target that ${registry} accepts.`,
    });
  }
  return checks.warnings;
}

export async function copyImage(opts: CopyOptions): Promise<CopyResult> {
  const { source, target } = opts;
  const signal = opts.signal;
  const call = { signal };
  const tag = target.tag ?? tagOf(source.reference);
  if (tag !== undefined) validateTag(tag);
  const sourceName = `${source.client.registry}/${source.repository}${referenceSeparator(source.reference)}${source.reference}`;

  // 1. What to copy: the manifest the reference names, or one platform of it.
  const top = await source.client.getManifest(source.repository, source.reference, call);
  let root: Node = top;
  if (opts.platform) {
    if (!isIndex(top.manifest)) {
      throw new LadingError(
        'invalid-input',
        `${sourceName} is a single image, not an index; --platform picks one of an index's images.`,
        {
          hint: 'Copy it without --platform.',
        },
      );
    }
    const child = selectPlatform(top.manifest.manifests, parsePlatform(opts.platform));
    if (!child) {
      throw new LadingError('invalid-input', `${sourceName} has no ${opts.platform} image.`, {
        hint: 'Pick one of the platforms `lading inspect` lists.',
      });
    }
    root = await source.client.getManifest(source.repository, digestName(child.digest), call);
  }
  const nodes = await manifestTree(source.client, source.repository, root, call);
  const { blobs, foreign } = blobsOf(nodes);
  for (const w of await checkTargetRules(opts, tag, nodes)) opts.onWarning?.(w);
  if (foreign)
    opts.onWarning?.(
      `${foreign} foreign layer${foreign === 1 ? '' : 's'} stay references to their own URLs (not copied).`,
    );

  // 2. Blobs, several at once; the first failure stops the rest.
  const sameRegistry = source.client.registry === target.client.registry;
  const tracker = new ProgressTracker(opts.onProgress);
  const slots = blobs.map((b) => tracker.addLayer(b.digest, b.size));
  const counts = { copied: 0, mounted: 0, existing: 0 };
  let bytes = 0;
  const inner = new AbortController();
  const onAbort = () => inner.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const blobCall = { signal: inner.signal };
  try {
    await runLimited(
      blobs,
      opts.concurrency ?? 4,
      // A small blob's copy is round trips (HEAD, GET, POST, PUT), not bytes: as a push's small layers, many
      // share a slot (over a wide-area link 30 small blobs four at a time took eight waves of them).
      (b) => layerWeight(b.size),
      async (blob, i) => {
        const slot = slots[i] as number;
        if (inner.signal.aborted) throw cancelled();
        if (await target.client.blobExists(target.repository, digestName(blob.digest), blobCall)) {
          counts.existing++;
          return tracker.finish(slot, 'exists');
        }
        if (sameRegistry && source.repository !== target.repository) {
          if (
            await target.client.mountBlob(
              target.repository,
              digestName(blob.digest),
              source.repository,
              blobCall,
            )
          ) {
            counts.mounted++;
            return tracker.finish(slot, 'mounted');
          }
        }
        tracker.update(slot, { state: 'uploading' });
        // The source's GET streams into the target's upload; a drop on the target side is redone from a
        // fresh GET (reopen), one on the source side resumes with Range inside openBlob.
        const open = () => source.client.openBlob(source.repository, blob, blobCall);
        const reopen = () =>
          (async function* () {
            yield* await open();
          })();
        await target.client.uploadBlob(target.repository, await open(), {
          ...blobCall,
          expectedDigest: blob.digest,
          size: blob.size,
          reopen,
          stream: true,
          // openBlob checks the digest as bytes flow and fails the stream before its end on a mismatch.
          sourceVerified: true,
          onProgress: (n) => tracker.update(slot, { bytesDone: n }),
        });
        counts.copied++;
        bytes += blob.size;
        tracker.finish(slot, 'done');
      },
      () => inner.abort(),
    );
  } catch (e) {
    if (signal?.aborted) throw cancelled();
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    tracker.flush();
  }

  // 3. Manifests: children by digest, then the root under its tag (or by digest when there is none).
  if (signal?.aborted) throw cancelled();
  for (const n of nodes.slice(0, -1)) {
    await target.client.putManifest(target.repository, digestName(n.digest), n.bytes, n.mediaType, call);
  }
  const { digest } = await target.client.putManifest(
    target.repository,
    manifestReference(tag ?? root.digest),
    root.bytes,
    root.mediaType,
    call,
  );

  // 4. Referrers by the tag schema, each copied as an image of its own.
  const referrers = opts.referrers ? await copyReferrers(opts, digestName(digest)) : [];
  return {
    source: sourceName,
    target: `${target.client.registry}/${target.repository}${tag ? `:${tag}` : `@${digest}`}`,
    digest,
    mediaType: root.mediaType,
    blobs: counts,
    bytes,
    referrers,
  };
}

/** `sha256-HEX`, and cosign's `sha256-HEX.sig` / `.att` / `.sbom`: the tags that point at an image's referrers. */
export function referrerTagsFor(tags: readonly string[], digest: string): string[] {
  const base = digest.replace(':', '-');
  return tags.filter(
    (t) => t === base || (/^\.(sig|att|sbom)$/.test(t.slice(base.length)) && t.startsWith(base)),
  );
}

/** Whether a tag is a referrer tag of some image (never a tag a person gave). */
export const isReferrerTag = (tag: string) => /^sha256-[a-f0-9]{64}(\.(sig|att|sbom))?$/.test(tag);

/**
 * What refers to the image, copied after it: the referrers API's list (OCI 1.1), each manifest by digest
 * (a target without the API gets them in its tag-schema index, as oras writes it); then the tag schema's and
 * cosign's tags. Returns the digests and tags copied.
 */
async function copyReferrers(opts: CopyOptions, digest: Digest): Promise<string[]> {
  const call = { signal: opts.signal };
  const fromApi = await referrersFromApi(opts.source.client, opts.source.repository, digest, call).catch(
    (e) => {
      if (opts.signal?.aborted) throw cancelled();
      opts.onWarning?.(
        `The referrers API of ${opts.source.client.registry} failed (${toErrorInfo(e).message}); only the referrers' tags are copied.`,
      );
      return undefined;
    },
  );
  const copied: string[] = [];
  if (fromApi?.truncated)
    opts.onWarning?.(
      `${digest} has more referrers than one copy lists; the first ${fromApi.referrers.length} are copied.`,
    );
  const listed: ReferrerDescriptor[] = fromApi?.referrers ?? [];
  for (const r of listed) {
    await copyImage({
      ...opts,
      source: { ...opts.source, reference: r.digest },
      target: { ...opts.target, tag: undefined },
      platform: undefined,
      referrers: false,
      onProgress: undefined,
    });
    copied.push(r.digest);
  }
  if (listed.length > 0) {
    const targetApi = await referrersFromApi(opts.target.client, opts.target.repository, digest, {
      ...call,
      maxEntries: 1,
    }).catch(() => undefined);
    // Without the API at the target, the copies are found only through the subject's tag-schema index.
    if (!targetApi)
      for (const r of listed)
        await addToTagSchema(opts.target.client, opts.target.repository, digest, r, call);
  }
  return [...copied, ...(await copyReferrerTags(opts, digest))];
}

async function copyReferrerTags(opts: CopyOptions, digest: string): Promise<string[]> {
  let tags: string[];
  try {
    tags = await opts.source.client.tags(opts.source.repository, { signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled();
    // The image is copied; say plainly that its signatures and attestations were not.
    opts.onWarning?.(
      `The referrers (signatures, attestations, SBOMs) were not copied: listing the tags of ${opts.source.repository} failed (${toErrorInfo(e).message}). Copy again with --referrers once the listing works.`,
    );
    return [];
  }
  const found = referrerTagsFor(tags, digest);
  for (const t of found) {
    await copyImage({
      ...opts,
      source: { ...opts.source, reference: tagName(t) },
      target: { ...opts.target, tag: tagName(t) },
      platform: undefined,
      referrers: false,
      onProgress: undefined,
    });
  }
  return found;
}

export interface SyncOptions {
  source: { client: CopyClient; repository: RepositoryName };
  target: { client: CopyClient; repository: RepositoryName };
  targetKind?: Connection['kind'];
  /** Only tags matching this pattern. */
  tags?: RegExp;
  /** List what would change; change nothing. */
  dryRun?: boolean;
  referrers?: boolean;
  signal?: AbortSignal;
  /** Each tag's outcome as it is known. */
  onTag?: (tag: string, outcome: 'copied' | 'skipped' | 'failed') => void;
  onProgress?: ProgressListener;
  onWarning?: (message: string) => void;
}

/** Copied (or, in a dry run, to be copied), skipped as equal, failed with why (shared/types.ts). */
export type { SyncResult } from '../../../shared/types';

/**
 * Every source tag (matching `tags`) whose digest at the target differs is copied; equal ones are skipped
 * without moving a byte, so a second run after an interrupted one finishes the rest.
 */
export async function syncRepository(opts: SyncOptions): Promise<SyncResult> {
  const call = { signal: opts.signal };
  const all = await opts.source.client.tags(opts.source.repository, call);
  const tags = all.filter((t) => !isReferrerTag(t) && (!opts.tags || opts.tags.test(t)));
  const result: SyncResult = { copied: [], skipped: [], failed: [] };
  for (const listed of tags) {
    if (opts.signal?.aborted) throw cancelled();
    try {
      const tag = tagName(listed);
      const [from, to] = await Promise.all([
        opts.source.client.headManifest(opts.source.repository, tag, call),
        opts.target.client.headManifest(opts.target.repository, tag, call),
      ]);
      if (!from) continue; // deleted since the listing
      if (to?.digest === from.digest) {
        result.skipped.push(tag);
        opts.onTag?.(tag, 'skipped');
        continue;
      }
      if (!opts.dryRun) {
        await copyImage({
          source: { ...opts.source, reference: tag },
          target: { ...opts.target, tag },
          targetKind: opts.targetKind,
          referrers: opts.referrers,
          signal: opts.signal,
          onProgress: opts.onProgress,
          onWarning: opts.onWarning,
        });
      }
      result.copied.push(tag);
      opts.onTag?.(tag, 'copied');
    } catch (e) {
      if (opts.signal?.aborted) throw cancelled();
      result.failed.push({ tag: listed, error: toErrorInfo(e) });
      opts.onTag?.(listed, 'failed');
    }
  }
  return result;
}
