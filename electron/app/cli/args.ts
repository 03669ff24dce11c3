/** Parsing of the positional arguments commands share: registries, repositories and references. */
import { InvalidArgumentError } from 'commander';
import { LadingError } from '../../core/registry/errors';
import { LATEST } from '../../core/registry/names';
import { parseReference, parseRepository, type Reference } from '../../core/registry/reference';

/**
 * A registry given alone (`ghcr.io`, `localhost:5000`), as host[:port]. A scheme is accepted and dropped;
 * `http://` also means the user wants plain HTTP.
 */
export function parseRegistryArg(input: string): { registry: string; insecure: boolean } {
  const trimmed = input.trim().replace(/\/+$/, '');
  const insecure = /^http:\/\//i.test(trimmed);
  const host = trimmed.replace(/^https?:\/\//i, '');
  // A host with userinfo goes to the reference grammar's refusal, which repeats none of it.
  if (host.split('/')[0]?.includes('@')) parseRepository(host);
  if (host === '' || host.includes('/')) {
    throw new LadingError('invalid-input', `"${input}" is not a registry host.`, {
      hint: 'Give a host and optional port, e.g. ghcr.io or localhost:5000.',
    });
  }
  // Reuse the reference grammar's host rules by parsing a dummy repository on it.
  const { registry } = parseRepository(`${host}/x`, {});
  return { registry, insecure };
}

/** `[host/]name` with no tag or digest. */
export function parseRepositoryArg(input: string): { registry: string; repository: string } {
  return parseRepository(input);
}

/** `[host/]name[:tag][@digest]`; no tag and no digest means `latest`, as docker does. */
export function parseReferenceArg(input: string): Reference {
  const ref = parseReference(input);
  if (!ref.tag && !ref.digest) ref.tag = LATEST;
  return ref;
}

/** A positive integer option (commander argParser). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number.');
  return n;
}

/** `os/arch[/variant]`. */
export function parsePlatformArg(value: string): string {
  if (!/^[a-z0-9_.-]+\/[a-z0-9_.-]+(\/[a-z0-9_.-]+)?$/i.test(value)) {
    throw new InvalidArgumentError('expected OS/ARCH or OS/ARCH/VARIANT, e.g. linux/arm64/v8.');
  }
  return value;
}
