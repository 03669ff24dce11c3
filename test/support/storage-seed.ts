/**
 * Seeding a real docker-registry's filesystem storage directly, for load tests: pushing 50,000 tags or
 * 20,000 repositories through the HTTP API takes minutes, writing the link files the registry would have
 * written takes a second or two. The registry then serves them like any other (test set-up of the real
 * registry's storage, not a protocol mock).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, pushImage } from './images';
import type { TestRegistry } from './registry';

function repositoriesRoot(registry: TestRegistry): string {
  return join(registry.storageDir, 'docker/registry/v2/repositories');
}

/** What one pushed image left in storage: its manifest digest and the blob links a repository needs. */
interface SeedImage {
  manifestDigest: string;
  layerLinks: string[];
}

const seedImages = new WeakMap<TestRegistry, Promise<SeedImage>>();

/** Pushes one tiny image (with skopeo) to `seed/base:latest` and reads back what it put in storage. */
function seedImage(registry: TestRegistry): Promise<SeedImage> {
  let p = seedImages.get(registry);
  if (!p) {
    p = (async () => {
      const image = await buildImage({ layers: [{ 'seed.txt': 'load seed\n' }], tag: 'seed' });
      await pushImage(registry, image, 'seed/base:latest');
      const repo = join(repositoriesRoot(registry), 'seed/base');
      const manifestDigest = readFileSync(join(repo, '_manifests/tags/latest/current/link'), 'utf8').trim();
      const layerLinks = readdirSync(join(repo, '_layers/sha256')).map((hex) => `sha256:${hex}`);
      return { manifestDigest, layerLinks };
    })();
    seedImages.set(registry, p);
  }
  return p;
}

function writeLink(path: string, digest: string): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'link'), digest);
}

/** A repository holding `tags`, all pointing at the seed image (what a push of it leaves in storage). */
function writeRepository(root: string, name: string, seed: SeedImage, tags: string[]): void {
  const repo = join(root, name);
  const hex = (d: string) => d.slice('sha256:'.length);
  for (const link of seed.layerLinks) writeLink(join(repo, '_layers/sha256', hex(link)), link);
  writeLink(join(repo, '_manifests/revisions/sha256', hex(seed.manifestDigest)), seed.manifestDigest);
  // Only `current`: the per-tag index link is what tag deletes consult, not listing or pulling.
  for (const tag of tags) writeLink(join(repo, '_manifests/tags', tag, 'current'), seed.manifestDigest);
}

/** `count` tags (`t-000000` …) in `repository`, all pointing at the seed image (pullable). */
export async function seedTagsInStorage(
  registry: TestRegistry,
  repository: string,
  count: number,
): Promise<string[]> {
  const seed = await seedImage(registry);
  const tags = Array.from({ length: count }, (_, i) => `t-${String(i).padStart(6, '0')}`);
  writeRepository(repositoriesRoot(registry), repository, seed, tags);
  return tags;
}

/**
 * `count` repositories (`<prefix>/r-00000` …) for listing: each is just the `_layers` directory that marks a
 * repository in distribution's catalog walk (a full repository is ~10 files and directories, and writing
 * 200,000 of them takes minutes on a slow disk). Listing their tags answers an empty list.
 */
export async function seedRepositoriesInStorage(
  registry: TestRegistry,
  prefix: string,
  count: number,
): Promise<string[]> {
  const root = repositoriesRoot(registry);
  const names = Array.from({ length: count }, (_, i) => `${prefix}/r-${String(i).padStart(5, '0')}`);
  for (const name of names) mkdirSync(join(root, name, '_layers'), { recursive: true });
  return names;
}
