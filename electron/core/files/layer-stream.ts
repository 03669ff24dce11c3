/**
 * A layer blob as a stream of tar bytes: downloaded through the registry client (digest checked when it is
 * read to the end), decompressed by what its first bytes say (gzip, zstd or none), and bounded so that a
 * gzip bomb stops at a clear error instead of filling the CPU for minutes.
 */
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createZstdDecompressOrThrow, sniff } from '../archive/sniff';
import type { RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import type { Descriptor } from '../registry/manifest';
import { isNonDistributable } from '../registry/mediatypes';
import type { RepositoryName } from '../registry/names';
import { coalesce } from '../transfer/coalesce';

/** Bounds for hostile layers; the defaults leave room for any real image. */
export interface FileLimits {
  /** Decompressed bytes of one layer. */
  maxLayerBytes: number;
  /** Decompressed/compressed ratio, checked once a layer has decompressed past ratioFloorBytes. */
  maxRatio: number;
  ratioFloorBytes: number;
  /** Entries in one image (every layer's together): the index is held in memory. */
  maxEntries: number;
  /** Bytes of one path or link target (Linux's PATH_MAX). */
  maxPathBytes: number;
}

export const DEFAULT_LIMITS: FileLimits = {
  maxLayerBytes: 64 * 1024 ** 3,
  // Real layers rarely pass 20:1; deflate cannot pass ~1,030:1, so a bomb is caught well before that.
  maxRatio: 200,
  ratioFloorBytes: 512 * 1024 * 1024,
  maxEntries: 2_000_000,
  maxPathBytes: 4096,
};

export interface LayerRef {
  repository: RepositoryName;
  descriptor: Descriptor;
  /** 1-based, for messages. */
  number: number;
}

export type BlobClient = Pick<RegistryClient, 'openBlob'>;

/** zlib's errors ("incorrect header check", "unexpected end of file") as what they mean for a layer. */
async function* decodeErrors(
  source: AsyncIterable<unknown>,
  what: string,
  kind: string,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of source) yield chunk as Uint8Array;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (e instanceof LadingError || !/^Z(_|STD)/.test(code)) throw e;
    throw new LadingError(
      'archive-invalid',
      `${what} is not valid ${kind === 'zstd' ? 'zstd' : 'gzip'} data (${(e as Error).message}).`,
      {
        hint: 'The registry holds a broken layer blob; push the image again.',
      },
    );
  }
}

function layerName(layer: LayerRef): string {
  return `Layer ${layer.number} (${layer.descriptor.digest.slice(0, 19)})`;
}

/** The layer's decompressed tar bytes; `onBytes` sees the compressed bytes read so far. */
export async function openLayerTar(
  client: BlobClient,
  layer: LayerRef,
  limits: FileLimits,
  opts: { signal?: AbortSignal; onBytes?: (compressed: number) => void } = {},
): Promise<{ tar: AsyncIterable<Uint8Array>; what: string; close(): void }> {
  const what = layerName(layer);
  if (isNonDistributable(layer.descriptor.mediaType)) {
    throw new LadingError(
      'unsupported',
      `${what} is a foreign (non-distributable) layer, which the registry does not serve.`,
    );
  }
  const blob = await client.openBlob(layer.repository, layer.descriptor, {
    signal: opts.signal,
    onProgress: opts.onBytes,
  });
  let compressed = 0;
  const counted = (async function* () {
    for await (const c of blob) {
      compressed += (c as Buffer).length;
      yield c as Buffer;
    }
  })();
  const it = counted[Symbol.asyncIterator]();
  const first = await it.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const kind = sniff(head);
  const rest = (async function* () {
    if (head.length) yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  const mediaType = layer.descriptor.mediaType ?? '';
  let source: Readable;
  if (kind === 'gzip' || kind === 'zstd' || /gzip$|zstd$/.test(mediaType)) {
    const dec =
      kind === 'zstd' || (kind !== 'gzip' && mediaType.endsWith('zstd'))
        ? createZstdDecompressOrThrow()
        : createGunzip({ chunkSize: 256 * 1024 });
    // Compressed pieces go to zlib in 512 KiB batches: each write is a thread-pool round trip (see pull-layers.ts).
    const batches = coalesce(rest, Math.max(1, Math.min(512 * 1024, layer.descriptor.size)));
    source = pipeline(Readable.from(batches, { highWaterMark: 1 }), dec, () => {}) as unknown as Readable;
  } else {
    source = Readable.from(rest);
  }
  const tar = (async function* () {
    let out = 0;
    for await (const chunk of decodeErrors(source, what, kind)) {
      out += (chunk as Buffer).length;
      if (out > limits.maxLayerBytes) {
        throw new LadingError(
          'too-large',
          `${what} decompresses to more than ${limits.maxLayerBytes} bytes; stopped there.`,
          { hint: 'The layer is far larger than any real image layer (a decompression bomb?).' },
        );
      }
      if (out > limits.ratioFloorBytes && out > compressed * limits.maxRatio) {
        throw new LadingError(
          'too-large',
          `${what} decompresses more than ${limits.maxRatio} times its size (${out} bytes from ${compressed}); stopped there.`,
          { hint: 'Real layers do not compress like that: this looks like a decompression bomb.' },
        );
      }
      yield chunk as Uint8Array;
    }
  })();
  return {
    tar,
    what,
    close: () => {
      source.destroy();
      blob.destroy();
    },
  };
}
