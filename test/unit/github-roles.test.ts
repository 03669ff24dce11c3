import { describe, expect, it } from 'vitest';
import type { GitHubVersion } from '../../electron/core/github/packages';
import {
  assertDeletable,
  assignRoles,
  type ManifestReader,
  subjectOfFallbackTag,
} from '../../electron/core/github/roles';
import { LadingError } from '../../electron/core/registry/errors';
import type { Manifest } from '../../electron/core/registry/manifest';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function image(): Manifest {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'c', digest: d(900), size: 2 },
    layers: [],
  };
}

function reader(manifests: Record<string, Manifest>): ManifestReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async getManifest(repository, reference) {
      reads.push(`${repository}@${reference}`);
      const manifest = manifests[reference];
      if (!manifest) throw new LadingError('manifest-unknown', 'nope');
      return { digest: reference, mediaType: manifest.mediaType ?? OCI_MANIFEST, manifest };
    },
  };
}

function version(id: number, digest: string, tags: string[] = []): GitHubVersion {
  return { id, digest, tags, createdAt: '2024-01-01T00:00:00Z' };
}

describe('assignRoles', () => {
  it('maps platform children and buildx attestations to their tagged index', async () => {
    const index: Manifest = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: d(2), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        {
          mediaType: OCI_MANIFEST,
          digest: d(3),
          size: 1,
          platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
        },
        {
          mediaType: OCI_MANIFEST,
          digest: d(4),
          size: 1,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: {
            'vnd.docker.reference.type': 'attestation-manifest',
            'vnd.docker.reference.digest': d(2),
          },
        },
      ],
    };
    const versions = [
      version(1, d(1), ['1.0', 'latest']),
      version(2, d(2)),
      version(3, d(3)),
      version(4, d(4)),
      version(5, d(5)),
    ];
    const r = reader({ [d(1)]: index });
    const out = await assignRoles(versions, r, 'acme/multi-a');
    expect(out.map((v) => [v.id, v.role, v.platform, v.parents])).toEqual([
      [1, 'index', undefined, []],
      [2, 'platform-child', 'linux/amd64', [d(1)]],
      [3, 'platform-child', 'linux/arm/v7', [d(1)]],
      [4, 'attestation', undefined, [d(1)]],
      [5, 'unknown', undefined, []],
    ]);
    // Only tagged versions are read.
    expect(r.reads).toEqual([`acme/multi-a@${d(1)}`]);

    const err = (() => {
      try {
        assertDeletable(out[1]!, out);
      } catch (e) {
        return e as LadingError;
      }
      throw new Error('expected a refusal');
    })();
    expect(err.code).toBe('conflict');
    expect(err.message).toContain('linux/amd64');
    expect(err.message).toContain('1.0, latest');
    expect(() => assertDeletable(out[3]!, out)).toThrow(/attestation of the index tagged 1.0/);
    expect(() => assertDeletable(out[4]!, out)).not.toThrow();
    expect(() => assertDeletable(out[0]!, out)).not.toThrow();
  });

  it('treats referrers fallback tags and manifests with a subject as attestations', async () => {
    expect(subjectOfFallbackTag(`sha256-${'a'.repeat(64)}`)).toBe(`sha256:${'a'.repeat(64)}`);
    expect(subjectOfFallbackTag(`sha256-${'a'.repeat(64)}.sig`)).toBe(`sha256:${'a'.repeat(64)}`);
    expect(subjectOfFallbackTag('v1.0')).toBeUndefined();

    const subject = d(10);
    const fallbackTag = `sha256-${subject.slice(7)}`;
    const withSubject: Manifest = {
      ...image(),
      subject: { mediaType: OCI_MANIFEST, digest: subject, size: 1 },
    } as Manifest;
    const versions = [
      version(10, subject, ['app']),
      version(11, d(11), [fallbackTag]),
      version(12, d(12), ['sbom']),
    ];
    const out = await assignRoles(
      versions,
      reader({ [subject]: image(), [d(11)]: image(), [d(12)]: withSubject }),
      'acme/signed-b',
    );
    expect(out.map((v) => [v.role, v.parents])).toEqual([
      ['image', []],
      ['attestation', [subject]],
      ['attestation', [subject]],
    ]);
    // An attestation *about* an image can go without breaking it.
    expect(() => assertDeletable(out[1]!, out)).not.toThrow();
  });

  it('leaves deleted versions unknown without reading the registry', async () => {
    const r = reader({});
    const out = await assignRoles([version(1, d(1), ['x'])], r, 'acme/c', { state: 'deleted' });
    expect(out[0]?.role).toBe('unknown');
    expect(r.reads).toEqual([]);
  });
});
