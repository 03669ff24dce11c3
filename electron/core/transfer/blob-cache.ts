/**
 * What this process has learnt about blobs: which repositories of a registry hold a digest (so a later
 * push can mount instead of upload), and which compressed blob a layer became (so pushing the same
 * archive again can HEAD the compressed digest instead of recompressing). In memory only: a wrong entry
 * costs one HEAD or one refused mount, never correctness.
 */
import type { RepositoryName } from '../registry/names';

class BlobCache {
  private readonly locations = new Map<string, Set<RepositoryName>>();
  private readonly compressed = new Map<string, { digest: string; size: number }>();

  record(registry: string, repository: RepositoryName, digest: string): void {
    const key = `${registry}|${digest}`;
    let set = this.locations.get(key);
    if (!set) {
      set = new Set();
      this.locations.set(key, set);
    }
    set.add(repository);
  }

  repositoriesWith(registry: string, digest: string): RepositoryName[] {
    return [...(this.locations.get(`${registry}|${digest}`) ?? [])];
  }

  recordCompressed(diffId: string, compression: string, blob: { digest: string; size: number }): void {
    this.compressed.set(`${compression}|${diffId}`, { digest: blob.digest, size: blob.size });
  }

  compressedFor(diffId: string, compression: string): { digest: string; size: number } | undefined {
    return this.compressed.get(`${compression}|${diffId}`);
  }
}

export const knownBlobs = new BlobCache();
