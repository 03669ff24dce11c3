/**
 * Supply-chain fixtures made the way the tools make them, pushed through the registry API of an open test
 * registry: tiny images and indexes, cosign v2 `.sig` images (simple-signing payloads signed by `openssl`),
 * cosign v3 bundles as OCI 1.1 referrers, BuildKit-style attestation manifests, SPDX and CycloneDX documents.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from './digest';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const EMPTY = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
};

export interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string };
  artifactType?: string;
}

/** Uploads one blob (POST then PUT ?digest=, as docker does) and returns its descriptor. */
export async function putBlob(
  url: string,
  repo: string,
  bytes: Buffer | string,
  mediaType: string,
): Promise<Desc> {
  const body = Buffer.from(bytes);
  const digest = sha256(body);
  const post = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await post.arrayBuffer();
  if (post.status !== 202) throw new Error(`POST upload ${repo}: ${post.status}`);
  const loc = new URL(post.headers.get('location') ?? '', url);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, {
    method: 'PUT',
    body,
    headers: { 'content-type': 'application/octet-stream' },
  });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`PUT blob ${repo}: ${put.status}`);
  return { mediaType, digest, size: body.length };
}

/** PUTs a manifest (the exact bytes given) by tag or digest and returns its descriptor. */
export async function putManifest(
  url: string,
  repo: string,
  ref: string | undefined,
  doc: object,
): Promise<Desc> {
  const bytes = Buffer.from(JSON.stringify(doc));
  const mediaType = (doc as { mediaType?: string }).mediaType ?? OCI_MANIFEST;
  const digest = sha256(bytes);
  const res = await fetch(`${url}/v2/${repo}/manifests/${ref ?? digest}`, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': mediaType },
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`PUT manifest ${repo}:${ref}: ${res.status} ${text.slice(0, 300)}`);
  return { mediaType, digest, size: bytes.length };
}

/** A one-layer image whose layer holds `text` (the layer is not a real tar; nothing here unpacks it). */
export async function pushTinyImage(
  url: string,
  repo: string,
  tag: string | undefined,
  text: string,
): Promise<Desc> {
  const layer = await putBlob(url, repo, text, 'application/vnd.oci.image.layer.v1.tar');
  const config = await putBlob(
    url,
    repo,
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
    'application/vnd.oci.image.config.v1+json',
  );
  return putManifest(url, repo, tag, { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] });
}

/** An OCI 1.1 artifact: the empty config, one layer, `subject` and `artifactType`, pushed by digest. */
export async function pushArtifact(
  url: string,
  repo: string,
  subject: Desc,
  artifactType: string,
  content: Buffer | string,
  layerType = artifactType,
  annotations: Record<string, string> = {},
): Promise<Desc> {
  await putBlob(url, repo, '{}', EMPTY.mediaType);
  const layer = await putBlob(url, repo, content, layerType);
  const doc = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: EMPTY,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  };
  return { ...(await putManifest(url, repo, undefined, doc)), artifactType, annotations };
}

/** Appends entries to the subject's tag-schema index (`sha256-<hex>`), as oras and ggcr do without the API. */
export async function addToTagSchema(
  url: string,
  repo: string,
  subject: string,
  entries: Desc[],
): Promise<void> {
  const tag = subject.replace(':', '-');
  const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`, { headers: { accept: OCI_INDEX } });
  const current = res.status === 200 ? ((await res.json()) as { manifests: Desc[] }) : { manifests: [] };
  if (res.status !== 200) await res.arrayBuffer();
  await putManifest(url, repo, tag, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [...current.manifests, ...entries],
  });
}

// --- keys and signatures, by openssl ------------------------------------------------------------------

export type KeyKind = 'ecdsa' | 'rsa' | 'ed25519';

export interface TestKey {
  kind: KeyKind;
  privateFile: string;
  publicFile: string;
  sign(data: Buffer): Buffer;
}

/** A key pair made by `openssl`, and signing with `openssl` (never with the code under test). */
export function opensslKey(kind: KeyKind): TestKey {
  const dir = mkdtempSync(join(tmpdir(), `lading-key-${kind}-`));
  const privateFile = join(dir, 'key.pem');
  const publicFile = join(dir, 'key.pub');
  const gen: Record<KeyKind, string[]> = {
    ecdsa: ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    rsa: ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    ed25519: ['genpkey', '-algorithm', 'ED25519'],
  };
  execFileSync('openssl', [...gen[kind], '-out', privateFile], { stdio: 'ignore' });
  execFileSync('openssl', ['pkey', '-in', privateFile, '-pubout', '-out', publicFile]);
  return {
    kind,
    privateFile,
    publicFile,
    sign(data: Buffer): Buffer {
      const input = join(dir, `in-${Math.random().toString(36).slice(2)}`);
      writeFileSync(input, data);
      const args =
        kind === 'ed25519'
          ? ['pkeyutl', '-sign', '-rawin', '-inkey', privateFile, '-in', input]
          : ['dgst', '-sha256', '-sign', privateFile, input];
      return execFileSync('openssl', args);
    },
  };
}

/** cosign's simple-signing payload (sigstore/sigstore pkg/signature/payload). */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': dockerReference },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
}

/**
 * A cosign v2 `.sig` image: ggcr's empty config, one simple-signing layer per signature with the base64
 * signature in `dev.cosignproject.cosign/signature`, tagged `sha256-<hex>.sig`.
 */
export async function pushCosignSig(
  url: string,
  repo: string,
  subject: string,
  signatures: { payload: Buffer; signature: string }[],
): Promise<Desc> {
  const layers: Desc[] = [];
  for (const s of signatures) {
    const layer = await putBlob(url, repo, s.payload, 'application/vnd.dev.cosign.simplesigning.v1+json');
    layers.push({ ...layer, annotations: { 'dev.cosignproject.cosign/signature': s.signature } });
  }
  const config = await putBlob(
    url,
    repo,
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
    'application/vnd.oci.image.config.v1+json',
  );
  return putManifest(url, repo, `${subject.replace(':', '-')}.sig`, {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers,
  });
}

/** DSSE's pre-authentication encoding, which is what a DSSE signature signs. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload,
  ]);
}

/** An in-toto v1 statement about one image digest. */
export function statement(name: string, digest: string, predicateType: string, predicate: unknown): Buffer {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name, digest: { sha256: digest.replace('sha256:', '') } }],
      predicateType,
      predicate,
    }),
  );
}

/** A Sigstore v0.3 bundle with a DSSE envelope signed by a key (cosign v3's `sign --key`). */
export function sigstoreBundle(key: TestKey, payload: Buffer, publicKeyHint = 'test-key'): Buffer {
  const payloadType = 'application/vnd.in-toto+json';
  const sig = key.sign(pae(payloadType, payload));
  return Buffer.from(
    JSON.stringify({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: publicKeyHint }, tlogEntries: [] },
      dsseEnvelope: {
        payload: payload.toString('base64'),
        payloadType,
        signatures: [{ sig: sig.toString('base64'), keyid: '' }],
      },
    }),
  );
}

export const readText = (file: string) => readFileSync(file, 'utf8');

/**
 * One image with a bit of everything, for the services and e2e: a cosign v2 signature by `key`, an SPDX SBOM
 * artifact and an SLSA v1 provenance statement as referrers in the tag-schema index.
 */
export async function seedSupplyChain(
  url: string,
  host: string,
  repo: string,
  tag: string,
  key: TestKey,
  packages: { name: string; version: string; license?: string }[],
): Promise<{ image: Desc; sbom: Desc; provenance: Desc }> {
  const image = await pushTinyImage(url, repo, tag, `supply chain of ${repo}:${tag}`);
  const payload = simpleSigningPayload(`${host}/${repo}`, image.digest);
  await pushCosignSig(url, repo, image.digest, [
    { payload, signature: key.sign(payload).toString('base64') },
  ]);
  const spdx = {
    spdxVersion: 'SPDX-2.3',
    SPDXID: 'SPDXRef-DOCUMENT',
    packages: packages.map((p, i) => ({
      SPDXID: `SPDXRef-${i}`,
      name: p.name,
      versionInfo: p.version,
      downloadLocation: 'NONE',
      ...(p.license ? { licenseConcluded: p.license } : {}),
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: `pkg:generic/${p.name}@${p.version}`,
        },
      ],
    })),
  };
  const sbom = await pushArtifact(url, repo, image, 'application/spdx+json', JSON.stringify(spdx));
  const stmt = statement(`${host}/${repo}`, image.digest, 'https://slsa.dev/provenance/v1', {
    buildDefinition: {
      buildType: 'https://actions.github.io/buildtypes/workflow/v1',
      externalParameters: {
        workflow: { repository: 'https://github.com/acme/app', path: '.github/workflows/release.yml' },
      },
      resolvedDependencies: [
        { uri: 'git+https://github.com/acme/app@refs/heads/main', digest: { gitCommit: 'a1b2c3d4' } },
      ],
    },
    runDetails: {
      builder: { id: 'https://github.com/actions/runner/github-hosted' },
      metadata: { startedOn: '2026-04-01T12:00:00Z' },
    },
  });
  const provenance = await pushArtifact(
    url,
    repo,
    image,
    'application/vnd.in-toto+json',
    stmt,
    'application/vnd.in-toto+json',
  );
  await addToTagSchema(url, repo, image.digest, [sbom, provenance]);
  return { image, sbom, provenance };
}
