/**
 * The file name of a pulled archive, one rule for the pull dialog's Download button and the file the
 * bridge serves (and the save dialog's default): `app-1.0.tar`, `app-1.0-linux-arm64.oci.tar`,
 * `app-0123456789ab.tar` for a digest. Only letters, digits, `.`, `_` and `-`.
 */
import { digestHex12, isDigestReference } from './reference-grammar';

export function pullFileName(
  repository: string,
  reference: string,
  format: 'docker' | 'oci',
  platform?: string,
): string {
  const name = repository.split('/').at(-1) || 'image';
  const ref = isDigestReference(reference) ? digestHex12(reference) : reference;
  const plat = platform ? `-${platform.replaceAll('/', '-')}` : '';
  return `${name}-${ref}${plat}${format === 'oci' ? '.oci' : ''}.tar`.replace(/[^A-Za-z0-9._-]/g, '_');
}
