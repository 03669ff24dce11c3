/**
 * Listing: the catalog (every page, or one page with a cursor the caller hands back) and a repository's
 * tags, following `Link: rel="next"` pagination with guards against registries whose links never end.
 */
import { isGitHubRegistry } from './auth';
import { LadingError } from './errors';
import { nextLink } from './headers';
import type { RepositoryName } from './names';
import { CATALOG_SCOPE, operationScope } from './scope';
import { type CallOptions, type RegistrySession, v2Path } from './session';
import { readJson } from './transport';

/** One page of `/v2/_catalog`; `next` is the cursor of the following page, absent on the last. */
export interface CatalogPage {
  repositories: string[];
  next?: string;
}

export interface PageOptions extends CallOptions {
  pageSize?: number;
  onPage?(items: string[]): void;
}

const LIST_PAGE_LIMIT = 32 * 1024 * 1024;
const MAX_PAGES = 100_000;
/** Repositories asked for per catalog page (distribution's default cap; larger asks get a 400). */
const CATALOG_PAGE_SIZE = 1000;
/** Every repository in the registry (follows Link pagination, pages of up to 1,000). */
export async function listCatalog(session: RegistrySession, opts: PageOptions = {}): Promise<string[]> {
  return paginate(
    session,
    catalogUrl(session, opts.pageSize),
    'repositories',
    [CATALOG_SCOPE],
    opts,
    'list repositories',
  );
}

/**
 * One page of the catalog, for callers that show pages as they arrive. `cursor` is the `next` of the
 * previous page: an opaque string to the caller, checked here to be this registry's own `_catalog` so that
 * whoever hands it back (the renderer) cannot point the client at another URL.
 */
export async function listCatalogPage(
  session: RegistrySession,
  opts: CallOptions & { cursor?: string; pageSize?: number } = {},
): Promise<CatalogPage> {
  const url =
    opts.cursor === undefined ? catalogUrl(session, opts.pageSize) : catalogCursorUrl(session, opts.cursor);
  const page = await listPage(
    session,
    url,
    'repositories',
    [CATALOG_SCOPE],
    opts.signal,
    'list repositories',
  );
  const next = page.next && page.items.length > 0 ? page.next.pathname + page.next.search : undefined;
  return { repositories: page.items, ...(next && next !== opts.cursor ? { next } : {}) };
}

/** Every tag of a repository (follows Link pagination; `tags: null` is an empty list). */
export async function listTags(
  session: RegistrySession,
  repository: RepositoryName,
  opts: PageOptions = {},
): Promise<string[]> {
  const url = session.transport.resolve(v2Path(repository, 'tags/list'));
  if (opts.pageSize !== undefined) url.searchParams.set('n', String(opts.pageSize));
  return paginate(
    session,
    url,
    'tags',
    [operationScope(repository, 'pull')],
    opts,
    `list tags of ${repository}`,
  );
}

/**
 * The first catalog page's URL. distribution answers 100 repositories per page unless asked for more and
 * walks its whole storage tree for every page, so fewer, larger pages list 20,000 repositories in seconds
 * instead of half a minute; 1,000 is its default cap (`catalog.maxentries`).
 */
function catalogUrl(session: RegistrySession, pageSize = CATALOG_PAGE_SIZE): URL {
  const url = session.transport.resolve('/v2/_catalog');
  url.searchParams.set('n', String(pageSize));
  return url;
}

function catalogCursorUrl(session: RegistrySession, cursor: string): URL {
  const base = session.transport.resolve('/v2/_catalog');
  let url: URL | undefined;
  try {
    url = new URL(cursor, base);
  } catch {
    url = undefined;
  }
  if (!url || url.origin !== base.origin || url.pathname !== base.pathname || url.hash !== '') {
    throw new LadingError('invalid-input', 'The catalog page cursor is not a page of this registry.', {
      hint: 'Reload the repository list.',
    });
  }
  return url;
}

/** GET one page of a list: its entries and the `Link: rel="next"` URL, if any. */
async function listPage(
  session: RegistrySession,
  url: URL,
  key: 'repositories' | 'tags',
  scopes: readonly string[],
  signal: AbortSignal | undefined,
  what: string,
): Promise<{ items: string[]; next?: URL }> {
  let res = await session.send({ method: 'GET', url, signal }, scopes);
  if (res.status === 400 && key === 'repositories' && url.searchParams.has('n')) {
    // A registry capping `n` below what we asked (PAGINATION_NUMBER_INVALID): its own page size then.
    await res.body.dump().catch(() => {});
    url = new URL(url);
    url.searchParams.delete('n');
    res = await session.send({ method: 'GET', url, signal }, scopes);
  }
  if (res.status !== 200) {
    if (key === 'repositories' && (res.status === 404 || res.status === 405)) {
      await res.body.dump().catch(() => {});
      // ghcr.io, docker.pkg.github.com, Docker Hub and most clouds have no _catalog.
      throw new LadingError(
        'unsupported',
        `${session.registry} does not offer a repository list (/v2/_catalog).`,
        {
          status: res.status,
          hint: isGitHubRegistry(session.registry)
            ? 'List GitHub packages through the GitHub API instead (an owner and a token with read:packages).'
            : 'Open a repository by name instead.',
        },
      );
    }
    throw await session.error(res, scopes, { what, notFound: 'name-unknown' });
  }
  const { value } = await readJson<Record<string, unknown>>(res, LIST_PAGE_LIMIT, what);
  const items = value?.[key];
  if (items !== null && items !== undefined && !Array.isArray(items)) {
    throw new LadingError('protocol-error', `${session.registry} answered ${what} with a malformed list.`);
  }
  return {
    items: (items ?? []).filter((x): x is string => typeof x === 'string'),
    next: nextLink(res.headers.link, res.url),
  };
}

async function paginate(
  session: RegistrySession,
  first: URL,
  key: 'repositories' | 'tags',
  scopes: string[],
  opts: PageOptions,
  what: string,
): Promise<string[]> {
  let url: URL | undefined = first;
  const seen = new Set<string>();
  const known = new Set<string>();
  const all: string[] = [];
  while (url && !seen.has(url.href)) {
    seen.add(url.href);
    const { items: page, next } = await listPage(session, url, key, scopes, opts.signal, what);
    // Links that change but never advance (same entries again) would loop forever with distinct URLs.
    if (page.length > 0 && page.every((x) => known.has(x))) {
      throw new LadingError(
        'protocol-error',
        `${session.registry} sent the same entries again while trying to ${what}.`,
        {
          hint: "The registry's pagination is broken; try again later or report it to the registry operator.",
        },
      );
    }
    if (seen.size > MAX_PAGES) {
      throw new LadingError(
        'too-large',
        `${session.registry} sent more than ${MAX_PAGES} pages while trying to ${what}.`,
      );
    }
    for (const x of page) known.add(x);
    all.push(...page);
    opts.onPage?.(page);
    url = page.length === 0 ? undefined : next;
    // A next link back to a page already fetched is a broken or hostile registry; stopping silently would
    // show a truncated list as if it were complete, so say so.
    if (url && seen.has(url.href)) {
      throw new LadingError(
        'protocol-error',
        `${session.registry} sent a pagination Link back to a page already fetched (${url.pathname}) while trying to ${what}.`,
        {
          hint: "The registry's pagination is broken; try again later or report it to the registry operator.",
        },
      );
    }
  }
  return all;
}
