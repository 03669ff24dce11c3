/**
 * Valid images, indexes and cosign-style signatures pushed straight through a RegistryClient, with chosen
 * created dates (umoci for dozens of images is too slow on the test machine), for the prune tests.
 */
import type { RegistryClient } from '../../electron/core/registry/client';
import { manifestReference, repositoryName } from '../../electron/core/registry/names';
import { sha256 } from '../support/digest';
import { layerTar } from '../support/images';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const NOW = Date.now();
export const daysAgo = (n: number) => new Date(NOW - n * 86400e3).toISOString();

export interface Pushed {
  digest: string;
  /** config + private layer bytes (the base layer is shared by every image). */
  ownBytes: number;
}

/** Pushes valid images and indexes straight through the client (umoci for 40 images is too slow here). */
export async function seeder(client: RegistryClient, repository: string) {
  const base = await layerTar({ 'base.txt': 'shared base layer' }, new Date('2024-01-01T00:00:00Z'));
  const blob = async (bytes: Buffer) => {
    const digest = sha256(bytes);
    await client.uploadBlob(repositoryName(repository), [bytes], {
      expectedDigest: digest,
      size: bytes.length,
    });
    return { digest, size: bytes.length };
  };
  const baseBlob = await blob(base);
  const put = async (bytes: Buffer, mediaType: string, tags: string[]) => {
    const digest = sha256(bytes);
    await client.putManifest(repositoryName(repository), manifestReference(digest), bytes, mediaType);
    for (const t of tags)
      await client.putManifest(repositoryName(repository), manifestReference(t), bytes, mediaType);
    return digest;
  };
  return {
    async image(name: string, created: string, tags: string[], arch = 'amd64'): Promise<Pushed> {
      const own = await layerTar({ [`${name}.txt`]: `image ${name} ${arch}` }, new Date(created));
      const ownBlob = await blob(own);
      const config = Buffer.from(
        JSON.stringify({
          architecture: arch,
          os: 'linux',
          created,
          rootfs: { type: 'layers', diff_ids: [baseBlob.digest, ownBlob.digest] },
        }),
      );
      const configBlob = await blob(config);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
          layers: [
            { mediaType: 'application/vnd.oci.image.layer.v1.tar', ...baseBlob },
            { mediaType: 'application/vnd.oci.image.layer.v1.tar', ...ownBlob },
          ],
        }),
      );
      return { digest: await put(manifest, OCI_MANIFEST, tags), ownBytes: configBlob.size + ownBlob.size };
    },
    async index(children: Pushed[], tags: string[], created?: string): Promise<string> {
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: children.map((c, i) => ({
            mediaType: OCI_MANIFEST,
            digest: c.digest,
            size: 0,
            platform: { os: 'linux', architecture: i === 0 ? 'amd64' : 'arm64' },
          })),
          ...(created ? { annotations: { 'org.opencontainers.image.created': created } } : {}),
        }),
      );
      // descriptor sizes must be right for skopeo: read them back from the registry
      const fixed = JSON.parse(bytes.toString());
      for (const m of fixed.manifests)
        m.size = (await client.getManifest(repositoryName(repository), m.digest)).size;
      return put(Buffer.from(JSON.stringify(fixed)), OCI_INDEX, tags);
    },
    /** A cosign-style signature: a small manifest tagged sha256-HEX.sig. */
    async signature(subject: string): Promise<Pushed> {
      const payload = await blob(Buffer.from(JSON.stringify({ critical: { image: subject } })));
      const empty = await blob(Buffer.from('{}'));
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
          layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', ...payload }],
        }),
      );
      return {
        digest: await put(bytes, OCI_MANIFEST, [`${subject.replace(':', '-')}.sig`]),
        ownBytes: payload.size,
      };
    },
  };
}
