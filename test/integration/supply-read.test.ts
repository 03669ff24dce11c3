/**
 * Reading attached documents on a real docker-registry: an SPDX artifact through the tag schema, a CycloneDX
 * statement in cosign's `.att` DSSE envelope, a BuildKit index with an attestation manifest per platform
 * (SPDX SBOM and SLSA v1 provenance statements), and the bounds: a "1 GiB SBOM", a layer that is not what
 * its media type says, thousands of referrers; `lading sbom [--platform] --json`.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestName, manifestReference, repositoryName } from '../../electron/core/registry/names';
import { referrersFromTagSchema } from '../../electron/core/registry/referrers';
import { discoverReferrers } from '../../electron/core/supply/discover';
import { readProvenance, readSbom } from '../../electron/core/supply/read-attached';
import { clientFor, errorOf } from '../support/clients';
import { type ReferrersFront, startReferrersFront } from '../support/referrers-front';
import { startRegistry, type TestRegistry } from '../support/registry';
import { CYCLONEDX_DOC, SPDX_DOC } from '../support/supply-documents';
import {
  addToTagSchema,
  type Desc,
  EMPTY,
  OCI_INDEX,
  OCI_MANIFEST,
  pushArtifact,
  pushTinyImage,
  putBlob,
  putManifest,
  statement,
} from '../support/supply-fixtures';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

let registry: TestRegistry;
let front: ReferrersFront;
let cli: CliSandbox;
const repo = repositoryName('team/docs');
const ref = (tag: string) => `${registry.host}/${repo}:${tag}`;

/** A BuildKit (legacy layout) attestation manifest for one platform image: SBOM and provenance statements. */
async function buildkitAttestation(platform: Desc, packageName: string): Promise<Desc> {
  const name = `pkg:docker/${repo}@multi?platform=linux%2Famd64`;
  const sbom = await putBlob(
    registry.url,
    repo,
    statement(name, platform.digest, 'https://spdx.dev/Document', {
      ...SPDX_DOC,
      packages: [{ SPDXID: 'SPDXRef-p', name: packageName, versionInfo: '1.0', downloadLocation: 'NONE' }],
    }),
    'application/vnd.in-toto+json',
  );
  const prov = await putBlob(
    registry.url,
    repo,
    statement(name, platform.digest, 'https://slsa.dev/provenance/v1', {
      buildDefinition: {
        buildType: 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md',
        externalParameters: {
          configSource: {
            uri: 'https://github.com/acme/app.git',
            digest: { sha1: 'c0ffee' },
            path: 'Dockerfile',
          },
        },
      },
      runDetails: {
        builder: { id: 'https://github.com/acme/app/actions/runs/7' },
        metadata: { startedOn: '2026-03-01T10:00:00Z' },
      },
    }),
    'application/vnd.in-toto+json',
  );
  const config = await putBlob(
    registry.url,
    repo,
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [sbom.digest, prov.digest] },
    }),
    'application/vnd.oci.image.config.v1+json',
  );
  return putManifest(registry.url, repo, undefined, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers: [
      { ...sbom, annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } },
      { ...prov, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v1' } },
    ],
  });
}

const attestationEntry = (att: Desc, of: Desc) => ({
  ...att,
  platform: { os: 'unknown', architecture: 'unknown' },
  annotations: {
    'vnd.docker.reference.type': 'attestation-manifest',
    'vnd.docker.reference.digest': of.digest,
  },
});

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  front = await startReferrersFront(registry.url);
  cli = await cliSandbox();

  const spdxImage = await pushTinyImage(registry.url, repo, 'spdx', 'spdx image');
  const artifact = await pushArtifact(
    registry.url,
    repo,
    spdxImage,
    'application/spdx+json',
    JSON.stringify(SPDX_DOC),
  );
  await addToTagSchema(registry.url, repo, spdxImage.digest, [artifact]);

  // cosign attest --type cyclonedx (legacy): a .att image whose layer is a DSSE envelope of the statement.
  const cdxImage = await pushTinyImage(registry.url, repo, 'cdx', 'cyclonedx image');
  const envelope = {
    payloadType: 'application/vnd.in-toto+json',
    payload: statement(
      `${registry.host}/${repo}`,
      cdxImage.digest,
      'https://cyclonedx.org/bom',
      CYCLONEDX_DOC,
    ).toString('base64'),
    signatures: [{ keyid: '', sig: 'MEUCIQ==' }],
  };
  const layer = await putBlob(
    registry.url,
    repo,
    JSON.stringify(envelope),
    'application/vnd.dsse.envelope.v1+json',
  );
  const cfg = await putBlob(
    registry.url,
    repo,
    '{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]}}',
    'application/vnd.oci.image.config.v1+json',
  );
  await putManifest(registry.url, repo, `${cdxImage.digest.replace(':', '-')}.att`, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: cfg,
    layers: [
      {
        ...layer,
        annotations: { predicateType: 'https://cyclonedx.org/bom', 'dev.cosignproject.cosign/signature': '' },
      },
    ],
  });

  // A BuildKit multi-platform index with an attestation manifest per platform.
  const amd = await pushTinyImage(registry.url, repo, undefined, 'amd64 image');
  const arm = await pushTinyImage(registry.url, repo, undefined, 'arm64 image');
  await putManifest(registry.url, repo, 'multi', {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      { ...amd, platform: { os: 'linux', architecture: 'amd64' } },
      { ...arm, platform: { os: 'linux', architecture: 'arm64' } },
      attestationEntry(await buildkitAttestation(amd, 'amd-only'), amd),
      attestationEntry(await buildkitAttestation(arm, 'arm-only'), arm),
    ],
  });

  // A "1 GiB SBOM" (the descriptor says so; distribution checks only that the blob exists) and a gzip
  // typed as SPDX JSON.
  const big = await pushTinyImage(registry.url, repo, 'big', 'big sbom');
  const small = await putBlob(registry.url, repo, '{}', 'application/spdx+json');
  await putBlob(registry.url, repo, '{}', EMPTY.mediaType);
  const huge = await putManifest(registry.url, repo, undefined, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/spdx+json',
    config: EMPTY,
    layers: [{ ...small, size: 1024 * 1024 * 1024 }],
    subject: big,
  });
  await addToTagSchema(registry.url, repo, big.digest, [{ ...huge, artifactType: 'application/spdx+json' }]);
  const liar = await pushTinyImage(registry.url, repo, 'liar', 'liar');
  const gz = await pushArtifact(
    registry.url,
    repo,
    liar,
    'application/spdx+json',
    gzipSync(Buffer.alloc(1000)),
  );
  await addToTagSchema(registry.url, repo, liar.digest, [gz]);
}, 90_000);

afterAll(async () => {
  await cli?.cleanup();
  await front?.stop();
  await registry?.stop();
});

describe('SBOMs', () => {
  it('an SPDX artifact through the tag schema: lading sbom --json', async () => {
    const out = await cli.json(['--insecure', 'sbom', ref('spdx')]);
    expect(out).toEqual({
      format: 'spdx',
      packages: [
        { name: 'musl', version: '1.2.5-r0', purl: 'pkg:apk/alpine/musl@1.2.5-r0', license: 'MIT' },
        { name: 'busybox', version: '', purl: 'pkg:apk/alpine/busybox', license: 'GPL-2.0-only' },
      ],
    });
  });

  it("CycloneDX in cosign's .att DSSE envelope", async () => {
    const sbom = await readSbom(clientFor(registry), repo, manifestReference('cdx'));
    expect(sbom.format).toBe('cyclonedx');
    expect(sbom.packages.map((p) => p.name)).toEqual(['@babel/core', 'inner', 'two-licences']);
  });

  it("a BuildKit index: each platform's own SBOM; without --platform, a clear error naming them", async () => {
    const client = clientFor(registry);
    const arm = await readSbom(client, repo, manifestReference('multi'), { platform: 'linux/arm64' });
    expect(arm.packages.map((p) => p.name)).toEqual(['arm-only']);
    const out = await cli.json<{ packages: { name: string }[] }>([
      '--insecure',
      'sbom',
      ref('multi'),
      '--platform',
      'linux/amd64',
    ]);
    expect(out.packages.map((p) => p.name)).toEqual(['amd-only']);
    const r = await cli.lading(['--insecure', 'sbom', ref('multi')]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr).hint).toBe('Pass --platform, one of: linux/amd64, linux/arm64.');
  });

  it('provenance of a platform: builder, source and commit, time, entry point', async () => {
    const prov = await readProvenance(clientFor(registry), repo, manifestReference('multi'), {
      platform: 'linux/arm64',
    });
    expect(prov).toHaveLength(1);
    expect(prov[0]).toMatchObject({
      builderId: 'https://github.com/acme/app/actions/runs/7',
      sourceRepository: 'https://github.com/acme/app.git',
      sourceCommit: 'c0ffee',
      startedOn: '2026-03-01T10:00:00Z',
      entryPoint: 'Dockerfile',
    });
  });

  it('an image with no SBOM: a clear error, exit 4', async () => {
    await pushTinyImage(registry.url, repo, 'none', 'nothing attached');
    const r = await cli.lading(['--insecure', 'sbom', ref('none')]);
    expect(r.code).toBe(4);
    expect(expectOneLineError(r.stderr).message).toBe(`${repo}:none has no SBOM attached.`);
  });
});

describe('bounded reads', () => {
  it('a "1 GiB SBOM" is refused before a byte is read', async () => {
    const t = Date.now();
    const e = await errorOf(readSbom(clientFor(registry), repo, manifestReference('big')));
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/is 1 GiB, over the 64 MiB/);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it('a layer that is not what its media type claims', async () => {
    const r = await cli.lading(['--insecure', 'sbom', ref('liar')]);
    expect(r.code).toBe(1);
    expect(expectOneLineError(r.stderr).message).toMatch(
      /claims to be application\/spdx\+json but is not JSON/,
    );
  });

  it('thousands of referrers: the tag schema and the API, listed in bounded time, the count capped', async () => {
    const subject = await pushTinyImage(front.url, repo, 'crowded', 'crowded');
    // distribution wants every entry of an index to exist: 3,000 entries naming one real artifact.
    const one = await pushArtifact(registry.url, repo, subject, 'application/example', 'x');
    await addToTagSchema(
      registry.url,
      repo,
      subject.digest,
      Array.from({ length: 3000 }, () => one),
    );
    let t = Date.now();
    const viaTags = await referrersFromTagSchema(clientFor(registry), repo, digestName(subject.digest), {
      maxEntries: 2000,
    });
    expect(viaTags).toMatchObject({ truncated: true });
    expect(viaTags.referrers).toHaveLength(2000);
    expect(Date.now() - t).toBeLessThan(5000);
    // The front checks nothing: 3,000 distinct entries, 30 pages of 100.
    const entries = Array.from({ length: 3000 }, (_, i) => ({
      mediaType: OCI_MANIFEST,
      digest: `sha256:${i.toString(16).padStart(64, '0')}`,
      size: 500,
      artifactType: 'application/example',
    }));
    front.referrers.set(subject.digest, entries);
    front.pageSize = 100;
    t = Date.now();
    const viaApi = await discoverReferrers(
      clientFor(registry, { baseUrl: front.url }),
      repo,
      manifestReference('crowded'),
      {
        maxEntries: 2500,
      },
    );
    expect(viaApi).toMatchObject({ referrersApi: true, truncated: true });
    expect(viaApi.referrers).toHaveLength(2500);
    expect(Date.now() - t).toBeLessThan(10_000);
    // Reading for an SBOM opens at most 64 of them (these name no manifest: skipped), then says there is none.
    t = Date.now();
    const e = await errorOf(
      readSbom(clientFor(registry, { baseUrl: front.url }), repo, manifestReference('crowded')),
    );
    expect(e.code).toBe('manifest-unknown');
    expect(Date.now() - t).toBeLessThan(10_000);
  });
});
