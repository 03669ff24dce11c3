/**
 * `lading attach` on a real docker-registry: an OCI 1.1 artifact manifest with the empty config, subject and
 * artifactType, listed in the tag-schema index (distribution 2.8 has no referrers API) so that `lading
 * referrers` and `lading sbom` find it; through the loopback referrers front the index is left alone.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestReference, repositoryName } from '../../electron/core/registry/names';
import { attachArtifact } from '../../electron/core/supply/attach';
import { clientFor } from '../support/clients';
import { type ReferrersFront, startReferrersFront } from '../support/referrers-front';
import { startRegistry, type TestRegistry } from '../support/registry';
import { SPDX_DOC } from '../support/supply-documents';
import { type Desc, EMPTY, pushTinyImage } from '../support/supply-fixtures';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

let registry: TestRegistry;
let front: ReferrersFront;
let cli: CliSandbox;
let image: Desc;
let sbomFile: string;
const repo = repositoryName('team/attach');

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  front = await startReferrersFront(registry.url);
  cli = await cliSandbox();
  image = await pushTinyImage(registry.url, repo, 'v1', 'attach to me');
  sbomFile = join(cli.home, '..', 'sbom.spdx.json');
  await writeFile(sbomFile, JSON.stringify(SPDX_DOC));
}, 60_000);

afterAll(async () => {
  await cli?.cleanup();
  await front?.stop();
  await registry?.stop();
});

const manifestAt = async (url: string, ref: string) =>
  (await fetch(`${url}/v2/${repo}/manifests/${ref}`, {
    headers: {
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json',
    },
  }).then((r) => (r.status === 200 ? r.json() : undefined))) as Record<string, unknown> | undefined;

describe('lading attach on distribution 2.8', () => {
  it('pushes the artifact by digest and lists it in the tag-schema index; referrers and sbom find it', async () => {
    const ref = `${registry.host}/${repo}:v1`;
    const r = await cli.lading([
      '--insecure',
      'attach',
      ref,
      sbomFile,
      '--artifact-type',
      'application/spdx+json',
      '--media-type',
      'application/spdx+json',
    ]);
    expect(r.code).toBe(0);
    const digest = r.stdout.trim();
    expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    const m = await manifestAt(registry.url, digest);
    expect(m).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/spdx+json',
      config: { ...EMPTY, data: 'e30=' },
      layers: [
        {
          mediaType: 'application/spdx+json',
          annotations: { 'org.opencontainers.image.title': 'sbom.spdx.json' },
        },
      ],
      subject: { digest: image.digest, size: image.size, mediaType: image.mediaType },
    });
    const index = await manifestAt(registry.url, image.digest.replace(':', '-'));
    expect(index).toMatchObject({ manifests: [{ digest, artifactType: 'application/spdx+json' }] });
    const listed = await cli.json<{ digest: string; source: string }[]>(['--insecure', 'referrers', ref]);
    expect(listed).toEqual([expect.objectContaining({ digest, source: 'tag-schema' })]);
    const sbom = await cli.json<{ format: string; packages: unknown[] }>(['--insecure', 'sbom', ref]);
    expect(sbom).toMatchObject({ format: 'spdx', packages: [{ name: 'musl' }, { name: 'busybox' }] });
  });

  it('a second artifact is added to the index beside the first', async () => {
    const file = join(cli.home, '..', 'report.txt');
    await writeFile(file, 'scan: clean\n');
    const out = await cli.json<{ digest: string; tagSchema: boolean }>([
      '--insecure',
      'attach',
      `${registry.host}/${repo}:v1`,
      file,
      '--artifact-type',
      'application/vnd.example.report.v1+json',
    ]);
    expect(out.tagSchema).toBe(true);
    const index = (await manifestAt(registry.url, image.digest.replace(':', '-'))) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests).toHaveLength(2);
    expect(index.manifests[1]?.digest).toBe(out.digest);
  });

  it('a bad artifact type and a missing file are refused, one line each', async () => {
    const bad = await cli.lading([
      '--insecure',
      'attach',
      `${registry.host}/${repo}:v1`,
      sbomFile,
      '--artifact-type',
      'sbom',
    ]);
    expect(bad.code).toBe(2);
    expect(expectOneLineError(bad.stderr).message).toBe('--artifact-type "sbom" is not a media type.');
    const missing = await cli.lading([
      '--insecure',
      'attach',
      `${registry.host}/${repo}:v1`,
      '/nonexistent/x',
      '--artifact-type',
      'a/b',
    ]);
    expect(missing.code).toBe(1);
    expect(expectOneLineError(missing.stderr).message).toBe('Cannot read /nonexistent/x: no such file.');
  });
});

describe('attach where the registry has the referrers API (loopback front)', () => {
  it('the API lists it and no tag-schema index is written', async () => {
    const subject = await pushTinyImage(front.url, repo, 'api', 'api subject');
    const client = clientFor(registry, { baseUrl: front.url });
    const result = await attachArtifact(client, repo, manifestReference('api'), {
      artifactType: 'application/spdx+json',
      file: sbomFile,
    });
    expect(result.tagSchema).toBe(false);
    expect(front.referrers.get(subject.digest)?.map((e) => e.digest)).toEqual([result.digest]);
    expect(await manifestAt(registry.url, subject.digest.replace(':', '-'))).toBeUndefined();
  });
});
