/**
 * Discovering what is attached to an image on a real docker-registry (distribution 2.8: no referrers API, so
 * the tag-schema index is read), through a loopback front that answers the referrers API (paged, filtered),
 * cosign's `.sig/.att/.sbom` tags and BuildKit attestation manifests in an index; `lading referrers --json`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestName, manifestReference, repositoryName } from '../../electron/core/registry/names';
import { referrersFromApi } from '../../electron/core/registry/referrers';
import { discoverReferrers } from '../../electron/core/supply/discover';
import { clientFor } from '../support/clients';
import { type ReferrersFront, startReferrersFront } from '../support/referrers-front';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  addToTagSchema,
  type Desc,
  OCI_INDEX,
  pushArtifact,
  pushTinyImage,
  putBlob,
  putManifest,
} from '../support/supply-fixtures';
import { type CliSandbox, cliSandbox } from './cli-helpers';

let registry: TestRegistry;
let front: ReferrersFront;
let cli: CliSandbox;
let image: Desc;
let sbomArtifact: Desc;

let attestation: Desc;
const repo = repositoryName('team/app');
const SBOM_TYPE = 'application/spdx+json';

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  front = await startReferrersFront(registry.url);
  cli = await cliSandbox();
  image = await pushTinyImage(registry.url, repo, 'v1', 'hello');
  // Through the registry alone: the artifact is stored, and the tag-schema index lists it (as oras does).
  sbomArtifact = await pushArtifact(registry.url, repo, image, SBOM_TYPE, '{"spdxVersion":"SPDX-2.3"}');
  await addToTagSchema(registry.url, repo, image.digest, [sbomArtifact]);
  // cosign's legacy tag for an attestation: a plain image tagged sha256-<hex>.att.
  const att = await putBlob(registry.url, repo, '{}', 'application/vnd.dsse.envelope.v1+json');
  const cfg = await putBlob(
    registry.url,
    repo,
    '{"architecture":"","os":""}',
    'application/vnd.oci.image.config.v1+json',
  );
  await putManifest(registry.url, repo, `${image.digest.replace(':', '-')}.att`, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: cfg,
    layers: [att],
  });
  // A BuildKit-style index: one platform and its attestation manifest (unknown/unknown, annotated).
  const stmt = await putBlob(
    registry.url,
    repo,
    '{"_type":"https://in-toto.io/Statement/v1"}',
    'application/vnd.in-toto+json',
  );
  const attCfg = await putBlob(
    registry.url,
    repo,
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [stmt.digest] },
    }),
    'application/vnd.oci.image.config.v1+json',
  );
  attestation = await putManifest(registry.url, repo, undefined, {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: attCfg,
    layers: [{ ...stmt, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v1' } }],
  });
  await putManifest(registry.url, repo, 'multi', {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      { ...image, platform: { os: 'linux', architecture: 'amd64' } },
      {
        ...attestation,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: {
          'vnd.docker.reference.type': 'attestation-manifest',
          'vnd.docker.reference.digest': image.digest,
        },
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await cli?.cleanup();
  await front?.stop();
  await registry?.stop();
});

describe('discover on distribution 2.8 (tag schema)', () => {
  it('lists the tag-schema referrer and the cosign tag, each with its source', async () => {
    const found = await discoverReferrers(clientFor(registry), repo, manifestReference('v1'));
    expect(found.subject).toBe(image.digest);
    expect(found.referrersApi).toBe(false);
    expect(found.referrers.map((r) => [r.source, r.artifactType])).toEqual([
      ['tag-schema', SBOM_TYPE],
      ['cosign', 'application/vnd.dsse.envelope.v1+json'],
    ]);
    expect(found.referrers[0]?.digest).toBe(sbomArtifact.digest);
  });

  it('lists the attestation manifests of an index apart, with what they attest', async () => {
    const found = await discoverReferrers(clientFor(registry), repo, manifestReference('multi'));
    expect(found.referrers).toEqual([
      {
        digest: attestation.digest,
        artifactType: 'application/vnd.docker.attestation.manifest.v1+json',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: attestation.size,
        annotations: {
          'vnd.docker.reference.type': 'attestation-manifest',
          'vnd.docker.reference.digest': image.digest,
        },
        source: 'attestation-manifest',
      },
    ]);
  });

  it('a referrers tag that resolves to the subject itself (as GitLab answers) lists nothing', async () => {
    const subject = await pushTinyImage(registry.url, repo, 'gitlab', 'gitlab-like');
    const bytes = await fetch(`${registry.url}/v2/${repo}/manifests/gitlab`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    }).then((r) => r.text());
    await putManifest(registry.url, repo, subject.digest.replace(':', '-'), JSON.parse(bytes));
    const found = await discoverReferrers(clientFor(registry), repo, manifestReference('gitlab'));
    expect(found.referrers).toEqual([]);
  });

  it('an image with nothing attached lists nothing', async () => {
    await pushTinyImage(registry.url, repo, 'bare', 'bare');
    const found = await discoverReferrers(clientFor(registry), repo, manifestReference('bare'));
    expect(found.referrers).toEqual([]);
  });

  it('lading referrers --json prints exactly [{digest, artifactType, mediaType, size, annotations, source}]', async () => {
    const out = await cli.json<Record<string, unknown>[]>([
      '--insecure',
      'referrers',
      `${registry.host}/${repo}:v1`,
    ]);
    expect(out).toHaveLength(2);
    for (const r of out) {
      expect(Object.keys(r).sort()).toEqual([
        'annotations',
        'artifactType',
        'digest',
        'mediaType',
        'size',
        'source',
      ]);
    }
    expect(out[0]).toMatchObject({
      digest: sbomArtifact.digest,
      source: 'tag-schema',
      artifactType: SBOM_TYPE,
    });
    const text = await cli.lading(['--insecure', 'referrers', `${registry.host}/${repo}:multi`]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/attestations\s+sha256:\S+\s+\S+ \S+\s+attestation-manifest/);
    const inspected = await cli.lading(['--insecure', 'inspect', `${registry.host}/${repo}:multi`]);
    expect(inspected.stdout).toContain(`attestations for ${image.digest.slice(0, 19)}`);
  });
});

describe('discover through the referrers API (loopback front)', () => {
  it('reads the API and pages by Link', async () => {
    const subject = await pushTinyImage(front.url, repo, 'api', 'api');
    const made: Desc[] = [];
    for (const i of [1, 2, 3]) {
      made.push(
        await pushArtifact(front.url, repo, subject, i === 2 ? 'application/example' : SBOM_TYPE, `doc ${i}`),
      );
    }
    front.referrerRequests.length = 0;
    const found = await discoverReferrers(
      clientFor(registry, { baseUrl: front.url }),
      repo,
      manifestReference('api'),
    );
    expect(found.referrersApi).toBe(true);
    expect(found.referrers.map((r) => r.digest)).toEqual(made.map((m) => m.digest));
    expect(found.referrers.every((r) => r.source === 'referrers-api')).toBe(true);
    expect(front.referrerRequests).toHaveLength(2); // page size 2: two pages
  });

  it('filters by artifactType, and bounds the count', async () => {
    const subject = await pushTinyImage(front.url, repo, 'api2', 'api2');
    for (const i of [1, 2, 3, 4, 5]) await pushArtifact(front.url, repo, subject, SBOM_TYPE, `d ${i}`);
    await pushArtifact(front.url, repo, subject, 'application/other', 'other');
    const client = clientFor(registry, { baseUrl: front.url });
    const d = digestName(subject.digest);
    const filtered = await referrersFromApi(client, repo, d, { artifactType: 'application/other' });
    expect(filtered?.referrers.map((r) => r.artifactType)).toEqual(['application/other']);
    const bounded = await referrersFromApi(client, repo, d, { maxEntries: 3 });
    expect(bounded).toMatchObject({ truncated: true });
    expect(bounded?.referrers).toHaveLength(3);
  });

  it('a next page on another host is not followed (it would get the credentials)', async () => {
    const subject = await pushTinyImage(front.url, repo, 'api3', 'api3');
    for (const i of [1, 2, 3]) await pushArtifact(front.url, repo, subject, SBOM_TYPE, `e ${i}`);
    front.nextLinkOverride = 'http://evil.example/v2/team/app/referrers/x';
    try {
      const r = await referrersFromApi(
        clientFor(registry, { baseUrl: front.url }),
        repo,
        digestName(subject.digest),
      );
      expect(r?.referrers).toHaveLength(2); // the first page only, said to be incomplete
      expect(r?.truncated).toBe(true);
    } finally {
      front.nextLinkOverride = undefined;
    }
  });

  it('a registry without the API answers undefined (the caller then reads the tag schema)', async () => {
    expect(await referrersFromApi(clientFor(registry), repo, digestName(image.digest))).toBeUndefined();
  });
});
