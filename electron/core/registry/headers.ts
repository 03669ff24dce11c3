/** Small parsers for the HTTP headers the registry protocol relies on. Pure functions, unit-tested. */

export type HeaderValue = string | string[] | undefined;
export type Headers = Record<string, HeaderValue>;

/** First value of a header (undici gives lowercased names; repeated headers arrive as arrays). */
export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** All values of a header, repeated headers flattened. */
export function headerAll(headers: Headers, name: string): string[] {
  const v = headers[name.toLowerCase()];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * `Retry-After`: delta-seconds or an HTTP date. Returns seconds to wait (never negative), capped at `capSeconds`,
 * or undefined when absent or unparseable.
 */
export function parseRetryAfter(
  value: string | undefined,
  now = Date.now(),
  capSeconds = 60,
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  let seconds: number;
  if (/^\d+$/.test(trimmed)) {
    seconds = Number(trimmed);
  } else {
    const when = Date.parse(trimmed);
    if (Number.isNaN(when)) return undefined;
    seconds = Math.ceil((when - now) / 1000);
  }
  return Math.min(Math.max(seconds, 0), capSeconds);
}

/** Parses an RFC 8288 `Link` header into (url, rel) pairs; handles several links and quoted/unquoted rel. */
export function parseLinks(value: string | string[] | undefined): { url: string; rel: string[] }[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(', ') : value;
  const links: { url: string; rel: string[] }[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('<', i);
    if (open === -1) break;
    const close = text.indexOf('>', open);
    if (close === -1) break;
    // Parameters run until the next comma that is not inside a quoted string.
    let j = close + 1;
    let quoted = false;
    while (j < text.length && (quoted || text[j] !== ',')) {
      if (text[j] === '"') quoted = !quoted;
      j++;
    }
    const params = text.slice(close + 1, j);
    const relMatch = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(params);
    const rel = (relMatch?.[1] ?? relMatch?.[2] ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    links.push({ url: text.slice(open + 1, close).trim(), rel });
    i = j + 1;
  }
  return links;
}

/** The `rel="next"` target of a Link header resolved against the request URL, or undefined. */
export function nextLink(value: string | string[] | undefined, base: string | URL): URL | undefined {
  const link = parseLinks(value).find((l) => l.rel.includes('next'));
  if (!link || link.url === '') return undefined;
  try {
    return new URL(link.url, base);
  } catch {
    return undefined;
  }
}

/**
 * An upload's `Range` header: `0-N` (OCI) or `bytes=0-N` (old Docker docs). Returns the next offset to send
 * (N + 1), or undefined when absent/unparseable.
 */
export function parseUploadRange(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^\s*(?:bytes=)?(\d+)-(\d+)\s*$/.exec(value);
  if (!m) return undefined;
  return Number(m[2]) + 1;
}

/** `Content-Type` without parameters, lowercased. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const base = contentType.split(';')[0]?.trim().toLowerCase();
  return base || undefined;
}
