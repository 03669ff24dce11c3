/** Content digests: computing them and checking bytes or streams against them. */
import { createHash, type Hash } from 'node:crypto';
import { LadingError } from './errors';
import type { Digest } from './names';

export type DigestAlgorithm = 'sha256' | 'sha512';

export function algorithmOf(digest: string): DigestAlgorithm {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  // Hex from node:crypto after a known algorithm: well formed by construction.
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` as Digest;
}

export function createDigester(algorithm: DigestAlgorithm = 'sha256'): { hash: Hash; digest(): Digest } {
  const hash = createHash(algorithm);
  return { hash, digest: () => `${algorithm}:${hash.digest('hex')}` as Digest };
}

export function digestMismatch(what: string, expected: string, actual: string): LadingError {
  return new LadingError(
    'digest-mismatch',
    `${what} does not match its digest: expected ${expected}, got ${actual}.`,
    {
      hint: 'The data was corrupted in transit or the registry served the wrong content. Try again; if it persists, the stored content is damaged.',
    },
  );
}

/** Throws `digest-mismatch` unless `bytes` hash to `expected` (using expected's algorithm). */
export function verifyDigest(bytes: Uint8Array, expected: string, what: string): Digest {
  const actual = digestOf(bytes, algorithmOf(expected));
  if (actual !== expected) throw digestMismatch(what, expected, actual);
  return actual;
}
