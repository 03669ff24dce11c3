/**
 * Small documents read whole from a registry (signature payloads, bundles, statements, SBOMs): the size is
 * checked against the descriptor before a byte is read, and the download stops at it, so a 1 GiB "SBOM"
 * costs one refused request, not memory.
 */

import { formatSize } from '../../../shared/sizes';
import type { RegistryClient } from '../registry/client';
import { LadingError } from '../registry/errors';
import type { Descriptor } from '../registry/manifest';
import type { RepositoryName } from '../registry/names';
import type { CallOptions } from '../registry/session';

export type BlobReader = Pick<RegistryClient, 'openBlob'>;

export async function readDocument(
  client: BlobReader,
  repository: RepositoryName,
  descriptor: Pick<Descriptor, 'digest' | 'size' | 'mediaType'>,
  maxBytes: number,
  what: string,
  opts: CallOptions = {},
): Promise<Buffer> {
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0 || descriptor.size > maxBytes) {
    throw new LadingError(
      'too-large',
      `The ${what} ${descriptor.digest} is ${formatSize(descriptor.size, 'binary')}, over the ${formatSize(maxBytes, 'binary')} Lading reads for it.`,
      {
        hint: 'It is far larger than such a document should be; look at it with a registry tool if you trust it.',
      },
    );
  }
  const chunks: Buffer[] = [];
  // openBlob enforces the descriptor's size and digest as the bytes arrive.
  for await (const c of await client.openBlob(repository, descriptor, opts)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** JSON from a document, or a specific error naming what it claimed to be. */
export function parseDocument<T>(bytes: Buffer, what: string, mediaType: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new LadingError('protocol-error', `The ${what} claims to be ${mediaType} but is not JSON.`, {
      hint: 'The artifact was pushed with the wrong media type, or is damaged; push it again.',
    });
  }
}
