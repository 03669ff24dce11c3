/**
 * Key-based verification of an image's cosign signatures, in both layouts: cosign v2's `sha256-<hex>.sig`
 * image (a simple-signing payload per layer, its signature in a layer annotation) and cosign v3's Sigstore
 * bundle pushed as an OCI 1.1 referrer (a DSSE envelope over an in-toto statement, or a message signature).
 * Each signature's result says which key verified it or why it does not count.
 */
import type { ManifestResult } from '../registry/client';
import { LadingError } from '../registry/errors';
import { isIndex } from '../registry/manifest';
import {
  type Digest,
  digestName,
  type ManifestReference,
  type RepositoryName,
  tagName,
} from '../registry/names';
import { referrersTag } from '../registry/referrers';
import type { CallOptions } from '../registry/session';
import { type BlobReader, parseDocument, readDocument } from './blob-read';
import { discoverReferrers, type SupplyClient } from './discover';
import { keyThatVerifies, type PublicKey } from './keys';

export const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
const DOC_LIMIT = 1024 * 1024;

export interface SignatureResult {
  /** The signature's own digest: the `.sig` layer's, or the bundle referrer manifest's. */
  digest: string;
  valid: boolean;
  layout: 'cosign-sig' | 'sigstore-bundle';
  /** The key that verified it (its name and fingerprint). */
  key?: string;
  /** Why it does not count, in a sentence. */
  reason?: string;
}

export interface Verification {
  subject: Digest;
  verified: boolean;
  signatures: SignatureResult[];
}

type Client = SupplyClient & BlobReader;

export async function verifyImage(
  client: Client,
  repository: RepositoryName,
  reference: ManifestReference,
  keys: readonly PublicKey[],
  opts: CallOptions = {},
): Promise<Verification> {
  if (keys.length === 0)
    throw new LadingError('invalid-input', 'No public key to verify with.', { hint: 'Pass --key FILE.' });
  const found = await discoverReferrers(client, repository, reference, opts);
  const subject = found.subject;
  const signatures: SignatureResult[] = [];
  const sig = await client
    .getManifest(repository, tagName(`${referrersTag(subject)}.sig`), opts)
    .catch((e: unknown) => {
      if (e instanceof LadingError && e.code === 'manifest-unknown') return undefined;
      throw e;
    });
  if (sig) signatures.push(...(await cosignSigLayers(client, repository, subject, sig, keys, opts)));
  for (const r of found.referrers) {
    if (r.artifactType !== SIGSTORE_BUNDLE) continue;
    signatures.push(
      await bundleReferrer(client, repository, found.subjectManifest, digestName(r.digest), keys, opts),
    );
  }
  return { subject, verified: signatures.some((s) => s.valid), signatures };
}

const CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
/** Keyless signatures (an ephemeral key in a Fulcio certificate) cannot match a user's key; say so. */
const KEYLESS =
  'signed keyless (a Fulcio certificate, no long-lived key): Lading verifies key-based signatures only, so no given key can verify it';
const keyLabel = (k: PublicKey) => `${k.name} (${k.fingerprint.slice(0, 19)})`;
const NO_KEY =
  'no given key verifies this signature: it was made with another key, or the signature or its payload was altered';

async function cosignSigLayers(
  client: Client,
  repository: RepositoryName,
  subject: Digest,
  sig: ManifestResult,
  keys: readonly PublicKey[],
  opts: CallOptions,
): Promise<SignatureResult[]> {
  if (isIndex(sig.manifest)) return [];
  const out: SignatureResult[] = [];
  for (const layer of sig.manifest.layers ?? []) {
    if (layer.mediaType !== SIMPLE_SIGNING) continue;
    const result: SignatureResult = { digest: layer.digest, valid: false, layout: 'cosign-sig' };
    out.push(result);
    const b64 = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (!b64) {
      result.reason = `the layer has no ${SIGNATURE_ANNOTATION} annotation (no signature)`;
      continue;
    }
    const payload = await readDocument(client, repository, layer, DOC_LIMIT, 'signature payload', opts);
    const key = keyThatVerifies(keys, payload, Buffer.from(b64, 'base64'));
    if (!key) {
      result.reason = layer.annotations?.[CERTIFICATE_ANNOTATION] ? KEYLESS : NO_KEY;
      continue;
    }
    result.key = keyLabel(key);
    const signed = payloadDigest(payload);
    if (signed !== subject) {
      result.reason = signed
        ? `the signed payload is for another image (${signed}), not ${subject}`
        : 'the signed payload is not a cosign simple-signing document';
      continue;
    }
    result.valid = true;
  }
  return out;
}

/** `critical.image.docker-manifest-digest` of a simple-signing payload. */
function payloadDigest(payload: Buffer): string | undefined {
  try {
    const doc = JSON.parse(payload.toString('utf8')) as {
      critical?: { image?: { 'docker-manifest-digest'?: unknown }; type?: unknown };
    };
    const d = doc.critical?.image?.['docker-manifest-digest'];
    return typeof d === 'string' && doc.critical?.type === 'cosign container image signature' ? d : undefined;
  } catch {
    return undefined;
  }
}

interface Bundle {
  mediaType?: string;
  verificationMaterial?: { certificate?: unknown; x509CertificateChain?: unknown; publicKey?: unknown };
  dsseEnvelope?: { payload?: string; payloadType?: string; signatures?: { sig?: string }[] };
  messageSignature?: { messageDigest?: { algorithm?: string; digest?: string }; signature?: string };
}

async function bundleReferrer(
  client: Client,
  repository: RepositoryName,
  subject: ManifestResult,
  digest: Digest,
  keys: readonly PublicKey[],
  opts: CallOptions,
): Promise<SignatureResult> {
  const result: SignatureResult = { digest, valid: false, layout: 'sigstore-bundle' };
  const m = await client.getManifest(repository, digest, opts).catch((e: unknown) => {
    if (e instanceof LadingError && e.code === 'manifest-unknown') return undefined;
    throw e;
  });
  if (!m) return { ...result, reason: 'the referrer is listed but its manifest is gone (no signature)' };
  const layer = isIndex(m.manifest)
    ? undefined
    : m.manifest.layers?.find((l) => l.mediaType === SIGSTORE_BUNDLE);
  if (!layer) return { ...result, reason: 'the referrer has no Sigstore bundle layer (no signature)' };
  const bundle = parseDocument<Bundle>(
    await readDocument(client, repository, layer, DOC_LIMIT, 'Sigstore bundle', opts),
    'Sigstore bundle',
    SIGSTORE_BUNDLE,
  );
  const vm = bundle.verificationMaterial;
  const noKey = vm?.certificate || vm?.x509CertificateChain ? KEYLESS : NO_KEY;
  if (bundle.dsseEnvelope) {
    const env = bundle.dsseEnvelope;
    const payload = Buffer.from(env.payload ?? '', 'base64');
    const pae = dssePae(env.payloadType ?? '', payload);
    const key = (env.signatures ?? [])
      .map((s) => keyThatVerifies(keys, pae, Buffer.from(s.sig ?? '', 'base64')))
      .find(Boolean);
    if (!key) return { ...result, reason: noKey };
    result.key = keyLabel(key);
    const subjects = statementDigests(payload);
    if (!subjects.includes(subject.digest)) {
      return {
        ...result,
        reason: `the signed statement is about ${subjects.join(', ') || 'nothing'}, not ${subject.digest}`,
      };
    }
    return { ...result, valid: true };
  }
  const ms = bundle.messageSignature;
  if (ms?.signature) {
    // For an image, the signed message is its manifest: the stored bytes, whose digest is the subject's.
    const key = keyThatVerifies(keys, subject.bytes, Buffer.from(ms.signature, 'base64'));
    const claimed = ms.messageDigest?.digest
      ? Buffer.from(ms.messageDigest.digest, 'base64').toString('hex')
      : '';
    if (!key) {
      return {
        ...result,
        reason:
          claimed && `sha256:${claimed}` !== subject.digest
            ? `the bundle signs another message (sha256:${claimed}), not ${subject.digest}`
            : noKey,
      };
    }
    return { ...result, key: keyLabel(key), valid: true };
  }
  return { ...result, reason: 'the bundle holds neither a DSSE envelope nor a message signature' };
}

/** DSSE's pre-authentication encoding: what a DSSE signature is over. */
export function dssePae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

/** The sha256 digests an in-toto statement names as its subjects. */
function statementDigests(payload: Buffer): string[] {
  try {
    const s = JSON.parse(payload.toString('utf8')) as { subject?: { digest?: { sha256?: unknown } }[] };
    return (s.subject ?? []).flatMap((x) =>
      typeof x.digest?.sha256 === 'string' ? [`sha256:${x.digest.sha256}`] : [],
    );
  } catch {
    return [];
  }
}
