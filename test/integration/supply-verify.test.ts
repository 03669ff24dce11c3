/**
 * Key-based verification of cosign signatures made the way cosign makes them (keys and signatures by
 * openssl), on a real docker-registry: v2 `.sig` images with ECDSA P-256, RSA and Ed25519, the right key, a
 * wrong key, a payload for another digest, a tampered signature, none at all; v3 Sigstore bundles as
 * referrers (tag schema on distribution 2.8, and the referrers API through the loopback front);
 * `lading verify` exits 0 only when one verifies.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestReference, repositoryName } from '../../electron/core/registry/names';
import { parsePublicKey } from '../../electron/core/supply/keys';
import { SIGSTORE_BUNDLE, verifyImage } from '../../electron/core/supply/verify';
import { clientFor, errorOf } from '../support/clients';
import { type ReferrersFront, startReferrersFront } from '../support/referrers-front';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  addToTagSchema,
  type KeyKind,
  opensslKey,
  pushArtifact,
  pushCosignSig,
  pushTinyImage,
  readText,
  sigstoreBundle,
  simpleSigningPayload,
  statement,
  type TestKey,
} from '../support/supply-fixtures';
import { type CliSandbox, cliSandbox, expectOneLineError } from './cli-helpers';

let registry: TestRegistry;
let front: ReferrersFront;
let cli: CliSandbox;
const keys = {} as Record<KeyKind, TestKey>;
let stranger: TestKey;
const repo = repositoryName('team/signed');
const name = () => `${registry.host}/${repo}`;
const pub = (k: TestKey) => parsePublicKey(readText(k.publicFile), k.publicFile);

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  front = await startReferrersFront(registry.url);
  cli = await cliSandbox();
  for (const kind of ['ecdsa', 'rsa', 'ed25519'] as const) keys[kind] = opensslKey(kind);
  stranger = opensslKey('ecdsa');
}, 60_000);

afterAll(async () => {
  await cli?.cleanup();
  await front?.stop();
  await registry?.stop();
});

/** An image signed cosign-v2 style: the payload names `payloadDigest` (the image's own unless given). */
async function signedImage(
  tag: string,
  key: TestKey,
  opts: { payloadDigest?: string; tamper?: boolean } = {},
) {
  const image = await pushTinyImage(registry.url, repo, tag, `image ${tag}`);
  const payload = simpleSigningPayload(name(), opts.payloadDigest ?? image.digest);
  const sig = key.sign(payload);
  if (opts.tamper) sig[sig.length - 5] = (sig[sig.length - 5] ?? 0) ^ 0xff;
  await pushCosignSig(registry.url, repo, image.digest, [{ payload, signature: sig.toString('base64') }]);
  return image;
}

describe('cosign v2 .sig signatures', () => {
  for (const kind of ['ecdsa', 'rsa', 'ed25519'] as const) {
    it(`${kind}: the right key verifies it and is named`, async () => {
      await signedImage(`ok-${kind}`, keys[kind]);
      const r = await verifyImage(clientFor(registry), repo, manifestReference(`ok-${kind}`), [
        pub(stranger),
        pub(keys[kind]),
      ]);
      expect(r.verified).toBe(true);
      expect(r.signatures).toHaveLength(1);
      expect(r.signatures[0]).toMatchObject({ valid: true, layout: 'cosign-sig' });
      expect(r.signatures[0]?.key).toContain(keys[kind].publicFile);
    });
  }

  it('a wrong key verifies nothing, and says so', async () => {
    await signedImage('wrong-key', keys.ecdsa);
    const r = await verifyImage(clientFor(registry), repo, manifestReference('wrong-key'), [pub(stranger)]);
    expect(r.verified).toBe(false);
    expect(r.signatures[0]?.reason).toMatch(/no given key verifies/);
  });

  it('a payload signed for another digest is refused even with the right key', async () => {
    const other = await pushTinyImage(registry.url, repo, 'other', 'another image');
    await signedImage('replayed', keys.ecdsa, { payloadDigest: other.digest });
    const r = await verifyImage(clientFor(registry), repo, manifestReference('replayed'), [pub(keys.ecdsa)]);
    expect(r.verified).toBe(false);
    expect(r.signatures[0]?.reason).toContain(`for another image (${other.digest})`);
    expect(r.signatures[0]?.key).toBeDefined();
  });

  it('a tampered signature verifies with no key', async () => {
    await signedImage('tampered', keys.rsa, { tamper: true });
    const r = await verifyImage(clientFor(registry), repo, manifestReference('tampered'), [pub(keys.rsa)]);
    expect(r).toMatchObject({ verified: false, signatures: [{ valid: false }] });
    expect(r.signatures[0]?.reason).toMatch(/altered/);
  });

  it('lading verify: exit 0 with the right key, JSON as the issue gives; else one error line', async () => {
    await signedImage('cli', keys.ed25519);
    const ok = await cli.lading([
      '--insecure',
      'verify',
      `${name()}:cli`,
      '--key',
      keys.ed25519.publicFile,
      '--json',
    ]);
    expect(ok.code).toBe(0);
    const out = JSON.parse(ok.stdout);
    expect(out).toMatchObject({ verified: true, signatures: [{ valid: true }] });
    expect(out.signatures[0].digest).toMatch(/^sha256:/);
    const bad = await cli.lading(['--insecure', 'verify', `${name()}:cli`, '--key', stranger.publicFile]);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/^not verified/);
    expect(expectOneLineError(bad.stderr).message).toMatch(/None of the 1 signature\(s\)/);
  });

  it('an image with no signature: not verified, a clear error', async () => {
    await pushTinyImage(registry.url, repo, 'unsigned', 'nobody signed me');
    const r = await cli.lading([
      '--insecure',
      'verify',
      `${name()}:unsigned`,
      '--key',
      keys.ecdsa.publicFile,
    ]);
    expect(r.code).not.toBe(0);
    expect(expectOneLineError(r.stderr).message).toMatch(/has no cosign signature/);
  });

  it('a file that is not a public key is refused by name', async () => {
    const file = join(tmpdir(), `not-a-key-${Date.now()}.pem`);
    await writeFile(file, 'hello');
    const r = await cli.lading(['--insecure', 'verify', `${name()}:cli`, '--key', file]);
    expect(r.code).toBe(2);
    expect(expectOneLineError(r.stderr).message).toContain(`${file} is not a PEM public key`);
    expect(
      (await errorOf(Promise.resolve().then(() => parsePublicKey(readText(keys.ecdsa.privateFile), 'k'))))
        .code,
    ).toBe('invalid-input');
  });
});

describe('cosign v3 Sigstore bundles (OCI 1.1 referrers)', () => {
  const bundleFor = async (url: string, tag: string, key: TestKey, about?: string) => {
    const image = await pushTinyImage(url, repo, tag, `bundle ${tag}`);
    const stmt = statement(name(), about ?? image.digest, 'https://sigstore.dev/cosign/sign/v1', {});
    const artifact = await pushArtifact(
      url,
      repo,
      image,
      SIGSTORE_BUNDLE,
      sigstoreBundle(key, stmt),
      SIGSTORE_BUNDLE,
      {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1',
      },
    );
    return { image, artifact };
  };

  it('on distribution 2.8, found through the tag schema and verified', async () => {
    const { image, artifact } = await bundleFor(registry.url, 'v3', keys.ecdsa);
    await addToTagSchema(registry.url, repo, image.digest, [artifact]);
    const r = await verifyImage(clientFor(registry), repo, manifestReference('v3'), [pub(keys.ecdsa)]);
    expect(r).toMatchObject({
      verified: true,
      signatures: [{ digest: artifact.digest, valid: true, layout: 'sigstore-bundle' }],
    });
    const wrong = await verifyImage(clientFor(registry), repo, manifestReference('v3'), [pub(stranger)]);
    expect(wrong.signatures[0]?.reason).toMatch(/no given key verifies/);
  });

  it('a keyless bundle (a certificate, no key) is said to be keyless, not merely unverified', async () => {
    const image = await pushTinyImage(registry.url, repo, 'keyless', 'keyless');
    const ephemeral = opensslKey('ecdsa');
    const bundle = JSON.parse(
      sigstoreBundle(
        ephemeral,
        statement(name(), image.digest, 'https://sigstore.dev/cosign/sign/v1', {}),
      ).toString(),
    );
    bundle.verificationMaterial = {
      certificate: { rawBytes: Buffer.from('not a real certificate').toString('base64') },
    };
    const artifact = await pushArtifact(registry.url, repo, image, SIGSTORE_BUNDLE, JSON.stringify(bundle));
    await addToTagSchema(registry.url, repo, image.digest, [artifact]);
    const r = await verifyImage(clientFor(registry), repo, manifestReference('keyless'), [pub(keys.ecdsa)]);
    expect(r.verified).toBe(false);
    expect(r.signatures[0]?.reason).toMatch(/^signed keyless \(a Fulcio certificate/);
  });

  it('through the referrers API; a statement about another digest is refused', async () => {
    const client = clientFor(registry, { baseUrl: front.url });
    await bundleFor(front.url, 'v3-api', keys.ed25519);
    const ok = await verifyImage(client, repo, manifestReference('v3-api'), [pub(keys.ed25519)]);
    expect(ok.verified).toBe(true);
    const other = await pushTinyImage(front.url, repo, 'v3-other', 'other');
    await bundleFor(front.url, 'v3-replay', keys.ed25519, other.digest);
    const replay = await verifyImage(client, repo, manifestReference('v3-replay'), [pub(keys.ed25519)]);
    expect(replay.verified).toBe(false);
    expect(replay.signatures[0]?.reason).toContain(`about ${other.digest}`);
  });
});
