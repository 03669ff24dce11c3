/**
 * Public keys for verifying signatures (cosign's key-based signing): ECDSA (P-256, and P-384/P-521 with
 * their usual hashes), RSA (PKCS#1 v1.5, then PSS) and Ed25519, read from PEM with node:crypto.
 */
import { constants, createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { LadingError } from '../registry/errors';

export interface PublicKey {
  /** Where the key came from (a file name, a saved key's label), to say which key verified what. */
  name: string;
  /** `sha256:<hex>` of the key's DER SubjectPublicKeyInfo, as a stable id. */
  fingerprint: string;
  kind: 'ecdsa' | 'rsa' | 'ed25519';
  key: KeyObject;
}

const EC_HASH: Record<string, string> = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' };

export function parsePublicKey(pem: string, name: string): PublicKey {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    // node:crypto would derive the public half, but a private key has no business being passed around here.
    throw new LadingError('invalid-input', `${name} is a private key.`, {
      hint: 'Verify with the public key (cosign.pub); keep the private key where it is.',
    });
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new LadingError('invalid-input', `${name} is not a PEM public key.`, {
      hint: 'Give the public key (cosign.pub, "-----BEGIN PUBLIC KEY-----"), not the private key or a certificate.',
    });
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  let kind: PublicKey['kind'];
  if (type === 'ec' && curve && EC_HASH[curve]) kind = 'ecdsa';
  else if (type === 'rsa' || type === 'rsa-pss') kind = 'rsa';
  else if (type === 'ed25519') kind = 'ed25519';
  else {
    throw new LadingError(
      'invalid-input',
      `${name} is a ${type}${curve ? ` ${curve}` : ''} key, which cosign does not sign with.`,
      {
        hint: 'Use an ECDSA P-256, RSA or Ed25519 public key.',
      },
    );
  }
  const der = key.export({ type: 'spki', format: 'der' });
  return { name, kind, key, fingerprint: `sha256:${createHash('sha256').update(der).digest('hex')}` };
}

/** Whether `signature` is `key`'s signature over exactly `data` (the stored bytes, never re-serialised). */
export function verifiesWith(key: PublicKey, data: Buffer, signature: Buffer): boolean {
  try {
    if (key.kind === 'ed25519') return verify(null, data, key.key, signature);
    if (key.kind === 'ecdsa') {
      const hash = EC_HASH[key.key.asymmetricKeyDetails?.namedCurve ?? ''] ?? 'sha256';
      return verify(hash, data, { key: key.key, dsaEncoding: 'der' }, signature);
    }
    return (
      verify('sha256', data, { key: key.key, padding: constants.RSA_PKCS1_PADDING }, signature) ||
      verify('sha256', data, { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING }, signature)
    );
  } catch {
    // A signature that is not even the right shape for the key (bad DER, wrong length) verifies nothing.
    return false;
  }
}

/** The first key that verifies the signature, if any. */
export function keyThatVerifies(
  keys: readonly PublicKey[],
  data: Buffer,
  signature: Buffer,
): PublicKey | undefined {
  return keys.find((k) => verifiesWith(k, data, signature));
}
