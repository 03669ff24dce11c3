/** Browsing: repositories, tags, tag details (digest, platforms, size, created) and inspect. */
import { isGitHubKind } from '../../../shared/connection-kinds';
import type { Handlers } from '../../../shared/contract';
import type { ImageInspect, RepositoriesResult, TagDetail } from '../../../shared/types';
import { isLadingError } from '../../core/registry/errors';
import { type InspectSource, inspect as inspectWithDocuments } from '../../core/registry/inspect';
import { formatPlatform, type ImageConfig, type ImageManifest, isIndex } from '../../core/registry/manifest';
import { manifestReference, repositoryName } from '../../core/registry/names';
import type { ServiceContext } from './context';
import type { FetchedManifest, RegistryPort } from './dependencies';
import { labelWarnings } from './label-warnings';
import { mapLimit } from './lru';

/** Manifest requests in flight per tagDetails call: fast enough, polite to the registry. */
const MANIFEST_CONCURRENCY = 6;
const UNKNOWN_PLATFORM = 'unknown/unknown';

const MANUAL_NOTE_HUB =
  'Docker Hub has no repository listing for other accounts. Type a repository name (e.g. library/nginx) to browse its tags.';

/** A page of the repository list (see the contract): catalog pages as the registry sends them. */
export async function listRepositories(
  ctx: ServiceContext,
  connectionId: string,
  cursor?: string,
): Promise<RepositoriesResult> {
  const { port, access } = await ctx.registry(connectionId);
  const { kind } = access.connection;
  if (kind === 'dockerhub') return { source: 'manual', repositories: [], note: MANUAL_NOTE_HUB };
  if (isGitHubKind(kind)) return ctx.github.repositories(access, cursor);
  try {
    const page = await port.catalogPage(cursor);
    return {
      source: 'catalog',
      repositories: page.repositories.map((name) => ({ name })),
      ...(page.next ? { next: page.next } : {}),
    };
  } catch (e) {
    // Later pages fail as errors: the first page already decided whether there is a catalog at all.
    if (cursor !== undefined) throw e;
    // With credentials, 401 means they are wrong: that is an error to show, not a missing catalog.
    const wrongCredentials = isLadingError(e) && e.code === 'unauthorized' && !!access.credential;
    if (
      isLadingError(e) &&
      !wrongCredentials &&
      (e.code === 'unsupported' ||
        e.code === 'denied' ||
        e.code === 'unauthorized' ||
        e.code === 'name-unknown' ||
        e.status === 404)
    ) {
      const typeName = 'Type a repository name to browse its tags.';
      let note: string;
      if (e.code === 'unsupported' || e.status === 404) {
        note = `This registry does not offer a catalog (/v2/_catalog). ${typeName}`;
      } else if (access.credential) {
        note = `These credentials may not list the catalog (/v2/_catalog). ${typeName}`;
      } else {
        note = `This registry lists its repositories only to signed-in users: add credentials to the connection, or type a repository name to browse its tags.`;
      }
      return { source: 'manual', repositories: [], note };
    }
    throw e;
  }
}

/** Fetches in flight per client, so parallel tags sharing a digest ask the registry once. */
const inflight = new WeakMap<RegistryPort, Map<string, Promise<unknown>>>();

function once<T>(port: RegistryPort, key: string, fetch: () => Promise<T>): Promise<T> {
  let map = inflight.get(port);
  if (!map) {
    map = new Map();
    inflight.set(port, map);
  }
  const pending = map.get(key) as Promise<T> | undefined;
  if (pending) return pending;
  const started = fetch().finally(() => map.delete(key));
  map.set(key, started);
  return started;
}

/** Manifests above this size are not kept (the cache holds up to 2000 entries). */
const MAX_CACHED_MANIFEST_BYTES = 64 * 1024;

/** A manifest by digest, cached (content-addressed, so never stale). */
async function manifestByDigest(
  ctx: ServiceContext,
  port: RegistryPort,
  repository: string,
  digest: string,
): Promise<FetchedManifest> {
  const key = `${port.registry}/${digest}`;
  const cached = ctx.manifestCache.get(key);
  if (cached) return cached;
  return once(port, `manifest ${repository}@${digest}`, async () => {
    const fetched = await port.getManifest(repository, digest);
    if (fetched.bytes.length <= MAX_CACHED_MANIFEST_BYTES) ctx.manifestCache.set(key, fetched);
    return fetched;
  });
}

async function configByDigest(
  ctx: ServiceContext,
  port: RegistryPort,
  repository: string,
  descriptor: { digest: string; size: number },
): Promise<ImageConfig> {
  const digest = descriptor.digest;
  const cached = ctx.configCache.get(digest);
  if (cached) return cached;
  return once(port, `config ${repository}@${digest}`, async () => {
    const { config } = await port.getConfig(repository, descriptor);
    // Keep only what tag lists need; history and env can be large and inspect fetches them fresh.
    const slim: ImageConfig = {
      created: config.created,
      os: config.os,
      architecture: config.architecture,
      variant: config.variant,
      rootfs: { type: 'layers', diff_ids: [] },
    };
    ctx.configCache.set(digest, slim);
    return slim;
  });
}

const imageSize = (m: ImageManifest) => m.config.size + m.layers.reduce((n, l) => n + l.size, 0);

async function tagDetail(
  ctx: ServiceContext,
  port: RegistryPort,
  repository: string,
  tag: string,
): Promise<TagDetail> {
  const head = await port.headManifest(repository, tag);
  const fetched: FetchedManifest = await manifestByDigest(ctx, port, repository, head.digest);
  const m = fetched.manifest;
  if (isIndex(m)) {
    const children = m.manifests.filter(
      (d) => !d.platform || formatPlatform(d.platform) !== UNKNOWN_PLATFORM,
    );
    const platforms = children.map((d) => (d.platform ? formatPlatform(d.platform) : UNKNOWN_PLATFORM));
    const childManifests = await mapLimit(children, 3, async (d) => {
      try {
        const child = await manifestByDigest(ctx, port, repository, d.digest);
        return isIndex(child.manifest) ? undefined : child.manifest;
      } catch {
        return undefined;
      }
    });
    const images = childManifests.filter((c): c is ImageManifest => c !== undefined);
    const size = images.reduce((n, c) => n + imageSize(c), 0);
    // Created: the newest child config (they are usually built together; the newest is the build date).
    const created = (
      await mapLimit(images, 3, (c) => configByDigest(ctx, port, repository, c.config).catch(() => undefined))
    )
      .map((c) => c?.created)
      .filter((c): c is string => !!c && !Number.isNaN(Date.parse(c)))
      .sort((a, b) => Date.parse(a) - Date.parse(b))
      .at(-1);
    return {
      tag,
      digest: fetched.digest,
      mediaType: fetched.mediaType,
      isIndex: true,
      platforms,
      size,
      created,
    };
  }
  const config = await configByDigest(ctx, port, repository, m.config).catch(() => undefined);
  const platform =
    config?.os && config.architecture
      ? formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant })
      : undefined;
  return {
    tag,
    digest: fetched.digest,
    mediaType: fetched.mediaType,
    isIndex: false,
    platforms: platform ? [platform] : [],
    size: imageSize(m),
    created: config?.created,
  };
}

/** A tag deleted between the listing and now is left out rather than failing the whole page. */
function skipMissing(e: unknown): undefined {
  if (isLadingError(e) && e.code === 'manifest-unknown') return undefined;
  throw e;
}

export async function tagDetails(
  ctx: ServiceContext,
  connectionId: string,
  repository: string,
  tags: string[],
): Promise<TagDetail[]> {
  const { port } = await ctx.registry(connectionId);
  const details = await mapLimit(tags, MANIFEST_CONCURRENCY, (tag) =>
    tagDetail(ctx, port, repository, tag).catch(skipMissing),
  );
  return details.filter((d): d is TagDetail => d !== undefined);
}

const pretty = (raw: Buffer) => {
  try {
    return JSON.stringify(JSON.parse(raw.toString('utf8')), null, 2);
  } catch {
    return raw.toString('utf8');
  }
};

/** The port as what core inspection reads: the same calls, with the signal inside the call options. */
function inspectSource(port: RegistryPort): InspectSource {
  return {
    registry: port.registry,
    getManifest: (repository, reference, opts) => port.getManifest(repository, reference, opts?.signal),
    getConfig: (repository, descriptor, opts) => port.getConfig(repository, descriptor, opts?.signal),
  };
}

/** core/registry/inspect's inspection, with the documents pretty-printed and the label checks. */
export async function inspect(
  ctx: ServiceContext,
  req: { connectionId: string; repository: string; reference: string; platform?: string },
): Promise<ImageInspect> {
  const { port } = await ctx.registry(req.connectionId);
  const { info, manifestBytes, configBytes } = await inspectWithDocuments(
    inspectSource(port),
    repositoryName(req.repository),
    manifestReference(req.reference),
    { platform: req.platform },
  );
  const isIndexView = info.manifests !== undefined;
  return {
    ...info,
    // Platform objects as the contract's (open) schema types them.
    manifests: info.manifests?.map((d) => ({ ...d, platform: d.platform ? { ...d.platform } : undefined })),
    rawManifest: pretty(manifestBytes),
    rawConfig: configBytes ? pretty(configBytes) : undefined,
    warnings: labelWarnings({ labels: info.labels, annotations: info.annotations, isIndex: isIndexView }),
  };
}

export function registryHandlers(
  ctx: ServiceContext,
): Pick<Handlers, 'registry.repositories' | 'registry.tags' | 'registry.tagDetails' | 'registry.inspect'> {
  return {
    'registry.repositories': ({ connectionId, cursor }) => listRepositories(ctx, connectionId, cursor),
    'registry.tags': async ({ connectionId, repository }) => {
      const { port } = await ctx.registry(connectionId);
      return port.tags(repository);
    },
    'registry.tagDetails': ({ connectionId, repository, tags }) =>
      tagDetails(ctx, connectionId, repository, tags),
    'registry.inspect': (req) => inspect(ctx, req),
  };
}
