/**
 * Would an anonymous `docker pull` work? Asked the way a client would: an anonymous token exchange and a
 * manifest HEAD. A 404 still counts as yes (the pull was authorized; the reference just does not exist).
 */
import { RegistryClient } from '../registry/client';
import { isLadingError } from '../registry/errors';
import { LATEST, manifestReference, repositoryName } from '../registry/names';

const CHECK_TIMEOUT_MS = 8_000;

export async function checkAnonymousPull(opts: {
  registry: string;
  insecure?: boolean;
  repository: string;
  /** A tag or digest known to exist; `latest` otherwise. */
  reference?: string;
  signal?: AbortSignal;
}): Promise<boolean | null> {
  const client = new RegistryClient({ registry: opts.registry, insecure: opts.insecure, retries: 0 });
  const signals = [AbortSignal.timeout(CHECK_TIMEOUT_MS)];
  if (opts.signal) signals.push(opts.signal);
  try {
    await client.headManifest(
      repositoryName(opts.repository),
      opts.reference === undefined ? LATEST : manifestReference(opts.reference),
      {
        signal: AbortSignal.any(signals),
      },
    );
    return true;
  } catch (e) {
    if (isLadingError(e) && (e.code === 'unauthorized' || e.code === 'denied')) return false;
    if (isLadingError(e) && e.code === 'manifest-unknown') return true;
    // Unreachable, timeouts, anything else: not known.
    return null;
  }
}
