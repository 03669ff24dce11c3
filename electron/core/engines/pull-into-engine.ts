/**
 * Pull an image from a registry into the engine: the pull writes a docker-load archive (layers verified
 * against the config's diff_ids) to a temporary file, which is streamed into POST /images/load and always
 * removed. A file, not a pipe: the archive writer fills each layer's tar header in once the layer is written
 * (uncompressed sizes are in no manifest), which needs a seekable file. The platform is the engine's own
 * unless one is asked for, as `docker pull` picks; `as` tags it under another name.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LadingError } from '../registry/errors';
import { type PullOptions, pullImage } from '../transfer/pull';
import type { EngineClient } from './engine-client';
import { loadArchive } from './load';

export interface EnginePullOptions extends Omit<PullOptions, 'outputPath' | 'format' | 'allPlatforms'> {
  engine: EngineClient;
  /** name[:tag] to give the image in the engine instead of the reference's. */
  as?: string;
  /** Where the temporary archive goes (default: the OS temp directory). */
  tempDir?: string;
}

export interface EnginePullResult {
  /** The digest the reference resolved to, its media type and the platform pulled. */
  digest: string;
  mediaType: string;
  platforms: string[];
  /** What the engine now has: the names it loaded (and `as`), or the image id for a digest-only pull. */
  loaded: string[];
  /** Bytes streamed into the engine. */
  size: number;
}

/** name[:tag] → repo and tag (latest when none), for POST /images/{id}/tag. */
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
  const { engine, as, tempDir, ...pull } = opts;
  const target = as ? splitLocalName(as) : undefined;
  const platform = pull.platform ?? `${engine.info.os}/${engine.info.arch}`;
  const dir = await mkdtemp(join(tempDir ?? tmpdir(), 'lading-load-'));
  try {
    const file = join(dir, 'image.tar');
    const pulled = await pullImage({ ...pull, platform, outputPath: file, format: 'docker' });
    const loaded = await loadArchive(engine, createReadStream(file), pull.signal);
    if (target) {
      const source = loaded[0];
      if (!source)
        throw new LadingError(
          'protocol-error',
          `The ${engine.label} engine loaded the image but did not name it.`,
        );
      const r = await engine.call('POST', `/images/${encodeURI(source)}/tag`, {
        query: { repo: target.repo, tag: target.tag },
        signal: pull.signal,
      });
      await r.body.text().catch(() => '');
      if (r.status !== 201 && r.status !== 200) throw await engine.failure(r, `to tag ${source} as ${as}`);
      loaded.push(`${target.repo}:${target.tag}`);
    }
    return {
      digest: pulled.digest,
      mediaType: pulled.mediaType,
      platforms: pulled.platforms,
      loaded,
      size: pulled.size,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
