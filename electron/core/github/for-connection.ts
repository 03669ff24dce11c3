/**
 * The GitHub calls that start from a connection and its token rather than a ready session: the package
 * list that stands in for `_catalog` on GitHub hosts, and the delete of tags and digests through the API.
 */
import type { Connection, RepositoriesResult } from '../../../shared/types';
import { LadingError } from '../registry/errors';
import { type DeleteRequest, deleteOnGitHub as deleteThroughApi } from './delete';
import { toRepositorySummary } from './packages';
import { githubSession, requireToken, type SessionOptions } from './session';

/** The repository list for a GitHub host: the owner's packages from the API (there is no _catalog). */
export async function listGitHubRepositories(
  connection: Pick<Connection, 'kind' | 'registry' | 'githubApiUrl' | 'owner' | 'ownerType' | 'insecure'>,
  token: string | undefined,
  opts: SessionOptions & { cursor?: string } = {},
): Promise<RepositoriesResult> {
  const page = pageOfCursor(opts.cursor);
  const session = githubSession(connection, requireToken(token, connection.registry), opts);
  const route = await session.ownerRoute();
  const { packages, more } = await session.packages.listPackagesPage(route, page);
  packages.sort((a, b) => a.repository.localeCompare(b.repository));
  const kind = session.packages.packageType === 'docker' ? 'docker' : 'container';
  const empty = page === 1 && packages.length === 0;
  return {
    source: 'github',
    repositories: packages.map(toRepositorySummary),
    // The note describes the list as a whole, so only the first page carries it.
    ...(page === 1
      ? {
          note: empty
            ? `${route.login} has no ${kind} packages this token can see.`
            : `${kind[0]!.toUpperCase()}${kind.slice(1)} packages of ${route.login}, from the GitHub API.`,
        }
      : {}),
    ...(more && packages.length > 0 ? { next: `page:${page + 1}` } : {}),
  };
}

/** GitHub's package list pages are numbered; the cursor the renderer hands back is `page:N`. */
function pageOfCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 1;
  const m = /^page:([1-9]\d{0,4})$/.exec(cursor);
  if (!m) {
    throw new LadingError('invalid-input', 'The package list cursor is not a page of the GitHub API.', {
      hint: 'Reload the repository list.',
    });
  }
  return Number(m[1]);
}

/** What a delete job for a GitHub host knows: the connection and its token instead of a ready session. */
export interface DeleteOnGitHubArgs extends Omit<DeleteRequest, 'session'> {
  connection: Pick<Connection, 'kind' | 'registry' | 'githubApiUrl' | 'owner' | 'ownerType' | 'insecure'>;
  token: string | undefined;
  fetch?: typeof fetch;
}

/** Deletes tags and digests of a GitHub package through the API (the delete job for GitHub hosts). */
export function deleteOnGitHub(args: DeleteOnGitHubArgs): Promise<{ removedTags: string[] }> {
  const { connection, token, fetch, ...request } = args;
  const session = githubSession(connection, requireToken(token, connection.registry), {
    fetch,
    signal: args.signal,
  });
  return deleteThroughApi({ ...request, session });
}
