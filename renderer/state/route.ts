/**
 * Where the user is: the screen the address bar names, mirrored for React (`useRoute`). Not UI state: the
 * address is the source of truth (`router.ts` reads and writes it); `navigate` writes the address, then the
 * mirror; `followLocation` keeps the mirror on the address (Back, Forward, an edited address). What belongs
 * to one list (filters, selection) is reset by the UI store when the route leaves it (`onRouteChange`).
 */
import { useSyncExternalStore } from 'react';
import { type ParsedRoute, type Route, sameRoute } from '../lib/routes';
import { onLocationChange, readLocation, writeLocation } from './router';

export type { Route } from '../lib/routes';

let current: Route = { screen: 'welcome' };
const listeners = new Set<(route: Route, previous: Route) => void>();

/** The screen shown now. */
export function getRoute(): Route {
  return current;
}

/** Calls `listener` with the new and the previous route whenever the screen changes. */
export function onRouteChange(listener: (route: Route, previous: Route) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function show(route: Route): void {
  if (sameRoute(route, current)) return;
  const previous = current;
  current = route;
  for (const listener of listeners) listener(route, previous);
}

const subscribe = (onChange: () => void) => onRouteChange(onChange);

/** The screen shown now, for a component (re-renders when it changes). */
export function useRoute(): Route {
  return useSyncExternalStore(subscribe, getRoute);
}

/** Opens `route` as a new history entry (`replace`: instead of the current one, e.g. a redirect). */
export function navigate(route: Route, options?: { replace?: boolean }): void {
  writeLocation(route, options?.replace);
  show(route);
}

/**
 * Makes the address the source of truth: shows the screen it names now, and again whenever it changes
 * (Back, Forward, an edited address). An address that names no screen is replaced by the nearest one and
 * `onNotice` says why. Call once at start, after the bridge secret is out of the URL. Returns a stop function.
 */
export function followLocation(onNotice: (notice: string) => void): () => void {
  const follow = ({ route, notice }: ParsedRoute) => {
    if (notice) {
      writeLocation(route, true);
      onNotice(notice);
    }
    show(route);
  };
  follow(readLocation());
  return onLocationChange(follow);
}
