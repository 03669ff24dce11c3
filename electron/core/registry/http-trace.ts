/**
 * LADING_TRACE_HTTP=1: one stderr line per registry request (start and end in ms since the process began,
 * method, path without the query, status), to see round trips and what waits on what over a slow link.
 * Never headers or query strings: those may carry credentials or upload state.
 */
const enabled = process.env.LADING_TRACE_HTTP === '1';

export interface TraceStart {
  method: string;
  url: URL;
  at: number;
}

export function traceStart(method: string, url: URL): TraceStart | undefined {
  return enabled ? { method, url, at: performance.now() } : undefined;
}

export function traceEnd(t: TraceStart | undefined, status: number | string): void {
  if (!t) return;
  const now = performance.now();
  // Upload session ids are long; the last path segment is enough to tell sessions apart.
  const path = t.url.pathname.replace(/[0-9a-f-]{36}/g, (id) => id.slice(0, 8));
  process.stderr.write(
    `http ${t.at.toFixed(0).padStart(6)} ${now.toFixed(0).padStart(6)} ${(now - t.at).toFixed(0).padStart(5)} ms ${t.method.padEnd(5)} ${status} ${t.url.host}${path}${t.url.searchParams.has('digest') ? ' ?digest' : ''}\n`,
  );
}
