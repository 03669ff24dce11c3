/**
 * The address bar is where the user is. This module is the only one that reads or writes it: `navigate()`
 * pushes a history entry per screen (so Back and Reload work), and Back, Forward or an edited address are
 * reported to the listener. Hash URLs, so the same code runs from a file, `app://` and the bridge's http page.
 */
import { formatRoute, type ParsedRoute, parseRoute, type Route, sameRoute } from '../lib/routes';

export function readLocation(): ParsedRoute {
  return parseRoute(window.location.hash);
}

/** A history entry for `route`; re-opening the current screen adds none (Back would seem to do nothing). */
export function writeLocation(route: Route, replace = false): void {
  const hash = formatRoute(route);
  if (hash === window.location.hash) return;
  const same = sameRoute(readLocation().route, route);
  if (replace || same) history.replaceState(history.state, '', hash);
  else history.pushState(null, '', hash);
}

/** Calls `listener` when the address changes under the app: Back, Forward, an edited or followed `#/…` link. */
export function onLocationChange(listener: (parsed: ParsedRoute) => void): () => void {
  const handler = () => listener(readLocation());
  // Chromium fires both for a fragment navigation; the listener ignores a route it already shows.
  window.addEventListener('popstate', handler);
  window.addEventListener('hashchange', handler);
  return () => {
    window.removeEventListener('popstate', handler);
    window.removeEventListener('hashchange', handler);
  };
}
