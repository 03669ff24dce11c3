import { posix } from 'node:path';
import { LadingError } from '../registry/errors';

/**
 * Archive entry names are checked before anything trusts them: an absolute path or a `..` segment could
 * make a later extraction (or a careless tool) write outside its directory, so such archives are refused.
 * Returns the normalised name ("./a/b/" → "a/b").
 */
export function checkEntryPath(rawName: string, archive: string): string {
  if (rawName.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rawName)) {
    throw new LadingError(
      'archive-invalid',
      `The archive ${archive} has an entry with an absolute path: ${rawName}`,
      {
        hint: 'Refusing unsafe archives; re-create it with docker save, skopeo or podman.',
      },
    );
  }
  const parts = rawName.split(/[\\/]/).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    throw new LadingError(
      'archive-invalid',
      `The archive ${archive} has an entry path with "..": ${rawName}`,
      {
        hint: 'Refusing unsafe archives; re-create it with docker save, skopeo or podman.',
      },
    );
  }
  return parts.join('/');
}

/** The archive path a symlink or hard link points at; refuses targets outside the archive. */
export function resolveLink(
  name: string,
  linkname: string,
  type: 'symlink' | 'link',
  archive: string,
): string {
  const base = type === 'symlink' ? posix.dirname(name) : '';
  const joined = linkname.startsWith('/')
    ? null
    : posix.normalize(posix.join(base === '.' ? '' : base, linkname));
  if (joined === null || joined === '..' || joined.startsWith('../') || joined.startsWith('/')) {
    throw new LadingError(
      'archive-invalid',
      `The archive ${archive} has a link pointing outside the archive: ${name} -> ${linkname}`,
      { hint: 'Refusing unsafe archives; re-create it with docker save, skopeo or podman.' },
    );
  }
  return joined.replace(/^\.\//, '');
}
