/**
 * Where a push or a re-tag writes: the pre-filled target, a valid name suggested from whatever the user or
 * the archive gave, and the one rule both dialogs use for a tag that already exists (say what it points
 * at now; writing over it needs an explicit "Replace").
 */
import { isValidTag } from '../../shared/reference-grammar';
import type { Connection, TagDetail } from '../../shared/types';
import { parseImageName, suggestRepositoryName } from './reference';

export { suggestRepositoryName };

/** A repository name from an archive's file name (`My Tool.tar.gz` → `my-tool`), or ''. */
export function repositoryFromFileName(fileName: string): string {
  const base = (fileName.split(/[\\/]/).pop() ?? '').replace(
    /(\.oci)?(\.tar)?(\.(gz|tgz|zst|tzst|oci))?$/i,
    '',
  );
  return suggestRepositoryName(base);
}

/** An OCI ref name that is only a tag (`1.0`, `latest`): no repository in it. */
export function isTagOnlyName(name: string): boolean {
  return !name.includes('/') && !name.includes(':') && !name.includes('@') && isValidTag(name);
}

/**
 * The target pre-filled for an archive image: the tag from its RepoTag or ref name (`latest` when it names
 * none); the repository on screen, else the one the name gives, else one made from the file name, else
 * empty. A ref name that is only a tag (`1.0`, as skopeo and buildah write OCI archives) fills the tag,
 * never the repository.
 */
export function defaultTarget(
  repoTags: string[],
  connection: Pick<Connection, 'registry' | 'kind' | 'owner'> | undefined,
  currentRepository: string | null,
  fileName?: string,
): { repository: string; tag: string } {
  const name = repoTags[0];
  const tagOnly = name !== undefined && isTagOnlyName(name);
  const parsed = name !== undefined && !tagOnly ? parseImageName(name) : undefined;
  const tag = tagOnly ? name : (parsed?.tag ?? 'latest');
  if (currentRepository) return { repository: currentRepository, tag };
  let repository = parsed?.repository ?? (fileName ? repositoryFromFileName(fileName) : '');
  if (repository.startsWith('library/') && parsed?.host === undefined) repository = repository.slice(8);
  if (connection?.owner && repository && !repository.startsWith(`${connection.owner.toLowerCase()}/`)) {
    const last = repository.split('/').pop() ?? repository;
    repository = `${connection.owner.toLowerCase()}/${last}`;
  }
  return { repository, tag };
}

/** What the registry says about a target tag, as the user types it. */
export type TagCheck =
  /** Not a valid target yet: nothing asked. */
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'free' }
  | { state: 'exists'; detail: TagDetail }
  /** The registry could not be asked; the write is not blocked for it. */
  | { state: 'unknown'; message: string };

export interface TargetVerdict {
  /** The action may not run yet. */
  blocked: boolean;
  /** The tag exists and the user must tick "Replace" to write over it. */
  needsReplace: boolean;
  /** The tag already points at the source: there is nothing to write. */
  alreadyThere: boolean;
}

/**
 * The one rule for writing a tag (push and re-tag): wait for the check; a tag that exists is written
 * over only with `replace`; a tag already on the source image is not written at all.
 */
export function targetVerdict(check: TagCheck, replace: boolean, sourceDigest?: string): TargetVerdict {
  const exists = check.state === 'exists';
  const alreadyThere = exists && sourceDigest !== undefined && check.detail.digest === sourceDigest;
  return {
    blocked: check.state === 'checking' || alreadyThere || (exists && !replace),
    needsReplace: exists && !alreadyThere,
    alreadyThere,
  };
}
