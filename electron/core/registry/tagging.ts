/**
 * Tag and delete semantics on top of the raw API: finding the tags of a digest, removing ONE tag without
 * deleting siblings that share its manifest (regctl's dummy-manifest technique), deleting a digest while
 * reporting its tags, and retagging across repositories with blob mounts instead of downloads.
 */
import { randomBytes } from 'node:crypto';
import { isGitHubRegistry } from './auth';
import type { RegistryClient } from './client';
import { digestOf } from './digest';
import { LadingError } from './errors';
import { type ImageManifest, isIndex, type Manifest } from './manifest';
import { isNonDistributable, MediaType } from './mediatypes';
import {
  type Digest,
  digestName,
  type ManifestReference,
  manifestReference,
  type RepositoryName,
  type Tag,
} from './names';
import type { CallOptions } from './session';

/**
 * The part of a registry client tag and delete semantics need (go-containerregistry's `remote.Tag(ref, …)`
 * shape: functions over a client, so the client does not depend on them).
 */
export type TaggingClient = Pick<
  RegistryClient,
  | 'registry'
  | 'tags'
  | 'headManifest'
  | 'getManifest'
  | 'putManifest'
  | 'deleteManifest'
  | 'blobExists'
  | 'mountBlob'
  | 'openBlob'
  | 'uploadBlob'
  | 'send'
>;

const HEAD_CONCURRENCY = 8;
const EMPTY_CONFIG = Buffer.from('{}');
const EMPTY_CONFIG_DIGEST = digestOf(EMPTY_CONFIG);

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Tags of `repository` whose manifest digest is `digest` (one HEAD per tag, a few at a time). */
export async function tagsForDigest(
  client: TaggingClient,
  repository: RepositoryName,
  digest: Digest,
  opts: CallOptions = {},
): Promise<string[]> {
  const tags = await client.tags(repository, { signal: opts.signal });
  const heads = await mapLimit(tags, HEAD_CONCURRENCY, (t) =>
    client.headManifest(repository, manifestReference(t), opts),
  );
  return tags.filter((_, i) => heads[i]?.digest === digest);
}

/**
 * Removes only `tag`; sibling tags on the same manifest keep working. `manifestStays`: the caller knows the
 * manifest must stay even with no other tag (a prune keeps a platform image a kept index needs), so the
 * tag is always removed through the throwaway manifest and the siblings are not looked up.
 */
export async function deleteTag(
  client: TaggingClient,
  repository: RepositoryName,
  tag: Tag,
  opts: CallOptions & { manifestStays?: boolean } = {},
): Promise<void> {
  const head = await client.headManifest(repository, tag, opts);
  if (!head) {
    throw new LadingError('manifest-unknown', `${client.registry}/${repository} has no tag "${tag}".`, {
      hint: 'List the tags to see what exists.',
    });
  }
  if (isGitHubRegistry(client.registry)) {
    // ghcr answers 405 to manifest DELETE; its tags are removed through the GitHub Packages API.
    throw new LadingError(
      'unsupported',
      `${client.registry} does not support deleting tags through the registry API.`,
      {
        hint: `Delete it through GitHub Packages: lading delete ${client.registry}/${repository}:${tag} (or lading gh delete-tag ${repository}:${tag}).`,
      },
    );
  }
  const siblings = opts.manifestStays
    ? []
    : (await tagsForDigest(client, repository, head.digest, opts)).filter((t) => t !== tag);
  if (!opts.manifestStays && siblings.length === 0) {
    await client.deleteManifest(repository, head.digest, opts).catch((e) => {
      throw deletesRefused(client, `${repository}:${tag}`, e);
    });
    return;
  }
  // Deleting by digest would take the siblings with it, and distribution 2.8 has no tag DELETE. Point the
  // tag at a throwaway manifest instead, then delete that manifest by digest: only this tag goes. Whether
  // the registry deletes at all is asked first, so a refusal leaves no throwaway (or blob) behind.
  await probeManifestDelete(client, repository, opts).catch((e) => {
    throw deletesRefused(client, `${repository}:${tag}`, e);
  });
  const configExisted = await client.blobExists(repository, EMPTY_CONFIG_DIGEST, opts);
  const dummy: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociEmpty, digest: EMPTY_CONFIG_DIGEST, size: EMPTY_CONFIG.length },
    layers: [],
    // Unique so its digest can never be another image's.
    annotations: {
      'dev.lading.untag': `${tag} ${new Date().toISOString()} ${Math.random().toString(36).slice(2)}`,
    },
  };
  const original = await client.getManifest(repository, head.digest, opts);
  const bytes = Buffer.from(JSON.stringify(dummy));
  const dummyDigest = digestOf(bytes);
  let put = false;
  try {
    if (!configExisted) {
      await client.uploadBlob(repository, [EMPTY_CONFIG], {
        expectedDigest: EMPTY_CONFIG_DIGEST,
        size: EMPTY_CONFIG.length,
        ...opts,
      });
    }
    put = true;
    await client.putManifest(repository, tag, bytes, MediaType.ociManifest, opts);
    await client.deleteManifest(repository, dummyDigest, opts);
  } catch (e) {
    // Put the tag back where it was rather than leave it on the dummy, then remove the dummy (untagged now).
    // No signal: a cancelled delete must still be undone.
    if (put) {
      const now = await client.headManifest(repository, tag).catch(() => undefined);
      if (now?.digest !== head.digest)
        await client.putManifest(repository, tag, original.bytes, original.mediaType).catch(() => {});
      const back =
        (await client.headManifest(repository, tag).catch(() => undefined))?.digest === head.digest;
      if (back) await client.deleteManifest(repository, dummyDigest).catch(() => {});
    }
    throw e;
  } finally {
    // Only the blob we uploaded is removed; an existing empty config may be used by other artifacts.
    if (!configExisted) await deleteBlobQuietly(client, repository, EMPTY_CONFIG_DIGEST);
  }
}

/**
 * Asks the registry to delete a manifest that cannot exist: "unknown" (404) means deletes work and are
 * allowed; 405 (deletes disabled) or a refusal says so before anything was changed.
 */
async function probeManifestDelete(
  client: TaggingClient,
  repository: RepositoryName,
  opts: CallOptions,
): Promise<void> {
  const nothing = digestOf(Buffer.from(`lading delete probe ${randomBytes(16).toString('hex')}`));
  try {
    await client.deleteManifest(repository, nothing, opts);
  } catch (e) {
    if (e instanceof LadingError && (e.status === 404 || e.code === 'manifest-unknown')) return;
    throw e;
  }
}

/**
 * Whether `repository` takes manifest deletes from this client, asked without changing anything (a batch
 * of deletes checks once, before the first): refusals and 405 throw as a delete would.
 */
export async function checkManifestDeletes(
  client: TaggingClient,
  repository: RepositoryName,
  opts: CallOptions = {},
): Promise<void> {
  await probeManifestDelete(client, repository, opts).catch((e) => {
    throw deletesRefused(client, repository, e);
  });
}

/** A registry that does not delete manifests at all (405) says so, with what would make it work. */
function deletesRefused(client: TaggingClient, what: string, e: unknown): unknown {
  if (!(e instanceof LadingError) || e.code !== 'unsupported') return e;
  return new LadingError(
    'unsupported',
    `${client.registry} does not allow deleting manifests, so ${what} cannot be removed; nothing was changed.`,
    {
      hint: isGitHubRegistry(client.registry)
        ? `Delete it through GitHub Packages: lading delete ${client.registry}/${what} (the packages API).`
        : 'Ask its administrator to enable deletes (distribution: storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true), then run the same lading delete again.',
      status: e.status,
      registryCode: e.registryCode,
      cause: e,
    },
  );
}

async function deleteBlobQuietly(client: TaggingClient, repository: string, digest: string): Promise<void> {
  const scopes = [`repository:${repository}:pull,delete`];
  const res = await client
    .send({ method: 'DELETE', url: `/v2/${repository}/blobs/${digest}`, retries: 0 }, scopes)
    .catch(() => undefined);
  await res?.body.dump().catch(() => {});
}

/** Deletes a manifest by digest, reporting the tags that pointed at it (they all go with it). */
export async function deleteDigest(
  client: TaggingClient,
  repository: RepositoryName,
  digest: Digest,
  opts: CallOptions = {},
): Promise<{ removedTags: string[] }> {
  const removedTags = await tagsForDigest(client, repository, digest, opts);
  await client.deleteManifest(repository, digest, opts).catch((e) => {
    throw deletesRefused(client, `${repository}@${digest}`, e);
  });
  return { removedTags };
}

/** Makes `blob` available in `target`: already there, mounted from `source`, or copied as a stream. */
async function ensureBlob(
  client: TaggingClient,
  source: RepositoryName,
  target: RepositoryName,
  blob: { digest: string; size: number },
  opts: CallOptions,
): Promise<boolean> {
  if (await client.blobExists(target, digestName(blob.digest), opts)) return false;
  if (await client.mountBlob(target, digestName(blob.digest), source, opts)) return true;
  const stream = await client.openBlob(source, blob, opts);
  await client.uploadBlob(target, stream, { expectedDigest: blob.digest, size: blob.size, ...opts });
  return false;
}

async function copyImageBlobs(
  client: TaggingClient,
  source: RepositoryName,
  target: RepositoryName,
  manifest: ImageManifest,
  opts: CallOptions,
): Promise<number> {
  let mounted = 0;
  const blobs = [manifest.config, ...manifest.layers].filter((d) => !isNonDistributable(d.mediaType));
  for (const blob of blobs) if (await ensureBlob(client, source, target, blob, opts)) mounted++;
  return mounted;
}

/**
 * Tags an existing manifest. Same repository: the exact bytes go under the new tag (same digest). Another
 * repository: every blob (and, for an index, every child manifest first) is mounted, then the manifest is put.
 */
export async function tagImage(
  client: TaggingClient,
  source: { repository: RepositoryName; reference: ManifestReference },
  target: { repository: RepositoryName; tag: Tag },
  opts: CallOptions = {},
): Promise<{ digest: string; mountedBlobs: number }> {
  const src = await client.getManifest(source.repository, source.reference, opts);
  let mountedBlobs = 0;
  if (source.repository !== target.repository) {
    const manifest: Manifest = src.manifest;
    if (isIndex(manifest)) {
      for (const child of manifest.manifests) {
        const c = await client.getManifest(source.repository, digestName(child.digest), opts);
        if (!isIndex(c.manifest))
          mountedBlobs += await copyImageBlobs(
            client,
            source.repository,
            target.repository,
            c.manifest,
            opts,
          );
        await client.putManifest(target.repository, digestName(child.digest), c.bytes, c.mediaType, opts);
      }
    } else {
      mountedBlobs += await copyImageBlobs(client, source.repository, target.repository, manifest, opts);
    }
  }
  const { digest } = await client.putManifest(target.repository, target.tag, src.bytes, src.mediaType, opts);
  return { digest, mountedBlobs };
}
