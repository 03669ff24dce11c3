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

/**
 * Back and Forward from the keyboard (Alt+←/→, ⌘[ / ⌘]) and the mouse's side buttons, for a window without
 * browser chrome (Electron). Not for a browser tab: the browser already does this, and would do it twice.
 */
export function followHistoryKeys(target: Window = window): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.shiftKey || e.ctrlKey) return;
    const back = (e.altKey && e.key === 'ArrowLeft') || (e.metaKey && e.key === '[');
    const forward = (e.altKey && e.key === 'ArrowRight') || (e.metaKey && e.key === ']');
    // Alt+arrows inside a text field move the caret by word on some systems: leave them alone.
    const typing = e.target instanceof HTMLElement && e.target.closest('input, textarea, [contenteditable]');
    if ((!back && !forward) || (typing && e.altKey)) return;
    e.preventDefault();
    if (back) target.history.back();
    else target.history.forward();
  };
  const onMouse = (e: MouseEvent) => {
    if (e.button === 3) target.history.back();
    else if (e.button === 4) target.history.forward();
  };
  target.addEventListener('keydown', onKey);
  target.addEventListener('mouseup', onMouse);
  return () => {
    target.removeEventListener('keydown', onKey);
    target.removeEventListener('mouseup', onMouse);
  };
}
