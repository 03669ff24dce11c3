/**
 * Pull an image from a registry into the engine: its docker-load archive is made on the fly from the
 * registry (transfer/pull-stream.ts) and streamed into POST /images/load, nothing written to disk. The platform is
 * the engine's own unless one is asked for, as `docker pull` picks; the image is named as the reference,
 * or `as`.
 */
import { LadingError } from '../registry/errors';
import { dockerLoadStream, type PullOptions, ReaderGone } from '../transfer/pull';
import type { EngineClient } from './engine-client';
import { loadArchive } from './load';

export interface EnginePullOptions extends Omit<PullOptions, 'outputPath' | 'format' | 'allPlatforms'> {
  engine: EngineClient;
  /** name[:tag] to give the image in the engine instead of the reference's. */
  as?: string;
}

export interface EnginePullResult {
  /** The digest the reference resolved to, its media type and the platform pulled. */
  digest: string;
  mediaType: string;
  platforms: string[];
  /** What the engine now has: the name it loaded, or the image id for a digest-only pull. */
  loaded: string[];
}

/** name[:tag] → repo and tag (latest when none): the name the archive gives the image. */
export function splitLocalName(name: string): { repo: string; tag: string } {
  if (name.includes('@'))
    throw new LadingError('invalid-reference', `${name}: a local name takes a tag, not a digest.`, {
      hint: 'Write NAME[:TAG].',
    });
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return { repo: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repo: name, tag: 'latest' };
}

export async function pullIntoEngine(opts: EnginePullOptions): Promise<EnginePullResult> {
  const { engine, as, ...pull } = opts;
  const named = as ? splitLocalName(as) : undefined;
  const stream = await dockerLoadStream({
    ...pull,
    platform: pull.platform ?? `${engine.info.os}/${engine.info.arch}`,
    repoTag: named ? `${named.repo}:${named.tag}` : undefined,
  });
  const [loaded, made] = await Promise.allSettled([
    loadArchive(engine, stream.tar, pull.signal),
    stream.done,
  ]);
  // The archive's own failure (a download, a check, a cancel) says more than the engine's cut-off load.
  if (made.status === 'rejected' && !(made.reason instanceof ReaderGone && loaded.status === 'rejected'))
    throw made.reason;
  if (loaded.status === 'rejected') throw loaded.reason;
  return {
    digest: stream.digest,
    mediaType: stream.mediaType,
    platforms: [stream.platform],
    loaded: loaded.value,
  };
}
