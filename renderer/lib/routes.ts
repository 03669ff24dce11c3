/**
 * Screens as addresses: every `Route` has a hash URL and back. Pure (no window, no history), so the
 * router (`state/router.ts`) and the "Copy link" button share one grammar and the unit tests cover it all.
 *
 *   #/                                        welcome (the app picks the first connection)
 *   #/connections/new                         add a connection
 *   #/c/<id>                                  a connection's repositories
 *   #/c/<id>/edit                             edit a connection
 *   #/c/<id>/r/<repo/with/slashes>            a repository's tags
 *   #/c/<id>/r/<repo>/t/<tag>[?platform=os/arch[/variant]]
 *   #/c/<id>/r/<repo>/d/<algorithm:hex>[?platform=…]
 *   #/local/<docker|podman>                  a local engine's images
 *
 * Segments are percent-encoded; a repository part that is literally `t` or `d` is written `%74` / `%64`,
 * so a bare `t` or `d` segment after `/r/` always marks the reference.
 */
import { type EngineKind, EngineKindSchema } from '../../shared/types';

/** Where the main pane is. Connection and repository come from the sidebar and repository list. */
export type Route =
  | { screen: 'welcome' }
  | { screen: 'add-connection'; editId?: string }
  | { screen: 'repositories'; connectionId: string }
  | { screen: 'tags'; connectionId: string; repository: string }
  | { screen: 'image'; connectionId: string; repository: string; reference: string; platform?: string }
  | { screen: 'local'; engine: EngineKind };

/** The outcome of reading an address: the screen to show and, if the address was not quite valid, why. */
export interface ParsedRoute {
  route: Route;
  /** Set when the address named no screen, or only part of one: the route is then the nearest valid one. */
  notice?: string;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const PLATFORM = /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)?$/;
const MARKERS = new Map([
  ['t', '%74'],
  ['d', '%64'],
]);

export const isDigest = (reference: string): boolean => DIGEST.test(reference);

/** `:` and `@` are legal in a fragment and keep digests readable. */
function encodeSegment(value: string): string {
  return encodeURIComponent(value).replaceAll('%3A', ':').replaceAll('%40', '@');
}

function encodeRepository(repository: string): string {
  return repository
    .split('/')
    .map((part) => MARKERS.get(part) ?? encodeSegment(part))
    .join('/');
}

function encodePlatform(platform: string): string {
  return encodeURIComponent(platform).replaceAll('%2F', '/');
}

/** The hash (with its `#`) that opens `route`. */
export function formatRoute(route: Route): string {
  switch (route.screen) {
    case 'welcome':
      return '#/';
    case 'add-connection':
      return route.editId ? `#/c/${encodeSegment(route.editId)}/edit` : '#/connections/new';
    case 'local':
      return `#/local/${route.engine}`;
    case 'repositories':
      return `#/c/${encodeSegment(route.connectionId)}`;
    case 'tags':
      return `#/c/${encodeSegment(route.connectionId)}/r/${encodeRepository(route.repository)}`;
    case 'image': {
      const kind = isDigest(route.reference) ? 'd' : 't';
      const query = route.platform ? `?platform=${encodePlatform(route.platform)}` : '';
      return `#/c/${encodeSegment(route.connectionId)}/r/${encodeRepository(route.repository)}/${kind}/${encodeSegment(route.reference)}${query}`;
    }
  }
}

/** The full address of `route` on the page at `location`: no query, no token, only the screen. */
export function routeUrl(route: Route, location: Pick<Location, 'protocol' | 'host' | 'pathname'>): string {
  return `${location.protocol}//${location.host}${location.pathname}${formatRoute(route)}`;
}

export function sameRoute(a: Route, b: Route): boolean {
  return formatRoute(a) === formatRoute(b);
}

const WELCOME: Route = { screen: 'welcome' };

function invalid(route: Route, what: string): ParsedRoute {
  return { route, notice: `${what}: showing the nearest screen instead.` };
}

/** Reads a hash (`location.hash`, with or without `#`) into the screen it names. Never throws. */
export function parseRoute(hash: string): ParsedRoute {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const queryAt = raw.indexOf('?');
  const path = queryAt < 0 ? raw : raw.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : raw.slice(queryAt + 1));
  if (path === '' || path === '/') return { route: WELCOME };
  try {
    return parsePath(path.replace(/^\//, '').replace(/\/$/, '').split('/'), query);
  } catch {
    // decodeURIComponent on a malformed escape (`%E0%A4%A`)
    return invalid(WELCOME, 'That address is not readable');
  }
}

/** `parts` are still encoded: a bare `t`/`d` is a marker, an encoded one (`%74`) a repository part. */
function parsePath(parts: string[], query: URLSearchParams): ParsedRoute {
  const decode = decodeURIComponent;
  if (parts.length === 2 && parts[0] === 'connections' && parts[1] === 'new') {
    return { route: { screen: 'add-connection' } };
  }
  if (parts[0] === 'local') {
    const engine = parts[1] ?? '';
    const kind = EngineKindSchema.safeParse(engine);
    if (parts.length === 2 && kind.success) return { route: { screen: 'local', engine: kind.data } };
    return invalid(WELCOME, 'That address names no local engine (docker or podman)');
  }
  if (parts[0] !== 'c' || !parts[1]) return invalid(WELCOME, 'That address names no Lading screen');
  const connectionId = decode(parts[1]);
  const repositories: Route = { screen: 'repositories', connectionId };
  if (parts.length === 2) return { route: repositories };
  if (parts.length === 3 && parts[2] === 'edit') {
    return { route: { screen: 'add-connection', editId: connectionId } };
  }
  if (parts[2] !== 'r') return invalid(repositories, 'That address names no screen of this connection');

  const rest = parts.slice(3);
  const marker = rest.findIndex((p) => p === 't' || p === 'd');
  const repoParts = marker < 0 ? rest : rest.slice(0, marker);
  if (repoParts.length === 0 || repoParts.some((p) => p === '')) {
    return invalid(repositories, 'That address has no valid repository name');
  }
  const repository = repoParts.map(decode).join('/');
  const tags: Route = { screen: 'tags', connectionId, repository };
  if (marker < 0) return { route: tags };

  const refParts = rest.slice(marker + 1);
  const reference = refParts.length === 1 && refParts[0] ? decode(refParts[0]) : '';
  if (!reference) return invalid(tags, 'That address has no valid tag or digest');
  if (rest[marker] === 'd' && !isDigest(reference)) return invalid(tags, `“${reference}” is not a digest`);
  const image: Route = { screen: 'image', connectionId, repository, reference };
  const platform = query.get('platform');
  if (platform === null) return { route: image };
  if (!PLATFORM.test(platform)) return invalid(image, `“${platform}” is not a platform (os/arch)`);
  return { route: { ...image, platform } };
}
