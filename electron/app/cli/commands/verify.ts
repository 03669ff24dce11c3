/** `lading verify REFERENCE --key FILE`: whether the image's cosign signatures verify with the given public keys. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LadingError } from '../../../core/registry/errors';
import { type PublicKey, parsePublicKey } from '../../../core/supply/keys';
import { verifyImage } from '../../../core/supply/verify';
import { parseReferenceArg } from '../args';
import { cliContext, print, printJson, registryClient } from '../context';
import { shortDigest } from '../format';

async function readKey(path: string): Promise<PublicKey> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (e) {
    throw new LadingError(
      'file-error',
      `Cannot read the key file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`,
      {
        hint: 'Give the path of a PEM public key, e.g. cosign.pub.',
      },
    );
  }
  return parsePublicKey(pem, path);
}

export function register(program: Command): void {
  program
    .command('verify')
    .description("verify an image's cosign signatures (.sig tag and Sigstore bundles) with public keys")
    .argument('<reference>', 'image, e.g. ghcr.io/acme/app:1.2 or …@sha256:…')
    .requiredOption(
      '--key <file>',
      'PEM public key (ECDSA P-256, RSA, Ed25519); repeat for several',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--json', 'print {verified, signatures: [{digest, valid, reason?, key?, layout}]}')
    .action(async (referenceArg: string, opts: { key: string[]; json?: boolean }, cmd: Command) => {
      const ref = parseReferenceArg(referenceArg);
      const keys = await Promise.all(opts.key.map(readKey));
      const client = await registryClient(cmd, ref.registry);
      const reference = ref.digest ?? ref.tag;
      if (!reference) return;
      const result = await verifyImage(client, ref.repository, reference, keys, {
        signal: cliContext().signal,
      });
      if (opts.json) printJson({ verified: result.verified, signatures: result.signatures });
      else {
        for (const s of result.signatures) {
          print(
            `${s.valid ? 'verified' : 'not verified'}  ${shortDigest(s.digest)}  ${s.layout}  ${s.valid ? `by ${s.key}` : s.reason}`,
          );
        }
      }
      if (result.verified) return;
      throw result.signatures.length === 0
        ? new LadingError('not-verified', `${referenceArg} (${result.subject}) has no cosign signature.`, {
            hint: 'Sign it (cosign sign --key …), or check that the reference names the signed image or index.',
          })
        : new LadingError(
            'not-verified',
            `None of the ${result.signatures.length} signature(s) of ${referenceArg} verifies with the given key(s).`,
            {
              hint: 'The reasons are listed above; check that --key is the public key the image was signed with.',
            },
          );
    });
}
