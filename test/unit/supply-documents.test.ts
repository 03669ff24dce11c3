/** SBOM and provenance documents as the tools write them, read into packages and a provenance summary. */
import { describe, expect, it } from 'vitest';
import { provenanceOf, SLSA_V1, SLSA_V02 } from '../../electron/core/supply/provenance';
import { parseSbom, sbomOf } from '../../electron/core/supply/sbom';
import { dssePae } from '../../electron/core/supply/verify';
import { CYCLONEDX_DOC, SPDX_DOC } from '../support/supply-documents';

describe('SBOMs', () => {
  it('SPDX 2.x JSON: name, version, purl, the licence that is asserted', () => {
    expect(parseSbom(SPDX_DOC, 'x')).toEqual({
      format: 'spdx',
      packages: [
        { name: 'musl', version: '1.2.5-r0', purl: 'pkg:apk/alpine/musl@1.2.5-r0', license: 'MIT' },
        { name: 'busybox', version: '', purl: 'pkg:apk/alpine/busybox', license: 'GPL-2.0-only' },
      ],
    });
  });

  it('CycloneDX JSON: groups, nested components, licence ids and expressions', () => {
    expect(parseSbom(CYCLONEDX_DOC, 'x').packages).toEqual([
      { name: '@babel/core', version: '7.24.0', purl: 'pkg:npm/%40babel/core@7.24.0', license: 'MIT' },
      { name: 'inner', version: '1', license: 'Apache-2.0 OR MIT' },
      { name: 'two-licences', version: '2', license: 'MIT AND Custom' },
    ]);
  });

  it('found inside an in-toto statement, a DSSE envelope and a Sigstore bundle', () => {
    const stmt = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://cyclonedx.org/bom',
      predicate: CYCLONEDX_DOC,
    };
    expect(sbomOf(stmt)?.format).toBe('cyclonedx');
    const envelope = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(JSON.stringify(stmt)).toString('base64'),
      signatures: [],
    };
    expect(sbomOf(envelope)?.packages).toHaveLength(3);
    expect(
      sbomOf({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', dsseEnvelope: envelope })?.format,
    ).toBe('cyclonedx');
  });

  it('JSON that is neither is a clear error; a hostile nesting is cut off', () => {
    expect(() => parseSbom({ hello: 1 }, 'SBOM sha256:1')).toThrow(
      /The SBOM sha256:1 is JSON but neither SPDX 2.x nor CycloneDX/,
    );
    let deep: Record<string, unknown> = { type: 'library', name: 'leaf' };
    for (let i = 0; i < 10_000; i++) deep = { type: 'library', name: `n${i}`, components: [deep] };
    expect(parseSbom({ bomFormat: 'CycloneDX', components: [deep] }, 'x').packages.length).toBeLessThan(40);
  });
});

describe('provenance', () => {
  it('SLSA v0.2 as BuildKit writes it', () => {
    const s = {
      predicateType: SLSA_V02,
      predicate: {
        builder: { id: 'https://github.com/acme/app/actions/runs/1' },
        buildType: 'https://mobyproject.org/buildkit@v1',
        invocation: {
          configSource: {
            uri: 'https://github.com/acme/app.git#main',
            digest: { sha1: 'abc123' },
            entryPoint: 'Dockerfile',
          },
        },
        metadata: { buildStartedOn: '2026-01-01T00:00:00Z', buildFinishedOn: '2026-01-01T00:01:00Z' },
      },
    };
    expect(provenanceOf(s)).toEqual({
      predicateType: SLSA_V02,
      builderId: 'https://github.com/acme/app/actions/runs/1',
      buildType: 'https://mobyproject.org/buildkit@v1',
      sourceRepository: 'https://github.com/acme/app.git#main',
      sourceCommit: 'abc123',
      startedOn: '2026-01-01T00:00:00Z',
      finishedOn: '2026-01-01T00:01:00Z',
      entryPoint: 'Dockerfile',
    });
  });

  it('SLSA v1: BuildKit configSource, and GitHub workflow with resolved dependencies', () => {
    const buildkit = {
      predicateType: SLSA_V1,
      predicate: {
        buildDefinition: {
          buildType: 'https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md',
          externalParameters: {
            configSource: {
              uri: 'https://github.com/acme/app.git',
              digest: { sha1: 'def456' },
              path: 'Dockerfile',
            },
          },
        },
        runDetails: { builder: { id: 'buildkit' }, metadata: { startedOn: '2026-02-01T00:00:00Z' } },
      },
    };
    expect(provenanceOf(buildkit)).toMatchObject({
      builderId: 'buildkit',
      sourceCommit: 'def456',
      entryPoint: 'Dockerfile',
    });
    const github = {
      predicateType: SLSA_V1,
      predicate: {
        buildDefinition: {
          externalParameters: {
            workflow: { repository: 'https://github.com/acme/app', path: '.github/workflows/release.yml' },
          },
          resolvedDependencies: [
            { uri: 'git+https://github.com/acme/app@refs/heads/main', digest: { gitCommit: '0123abcd' } },
          ],
        },
        runDetails: { builder: { id: 'https://github.com/actions/runner' } },
      },
    };
    expect(provenanceOf(github)).toMatchObject({
      sourceRepository: 'https://github.com/acme/app',
      sourceCommit: '0123abcd',
      entryPoint: '.github/workflows/release.yml',
    });
    expect(provenanceOf({ predicateType: 'https://spdx.dev/Document', predicate: {} })).toBeUndefined();
  });
});

describe('DSSE', () => {
  it('pre-authentication encoding counts bytes, not characters', () => {
    expect(dssePae('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é');
  });
});
