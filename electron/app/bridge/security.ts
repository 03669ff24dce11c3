/** The bridge's request checks: loopback-only binding, Host header (DNS rebinding), the per-launch secret. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { LadingError } from '../../core/registry/errors';

const LOOPBACK_BIND = new Set(['127.0.0.1', 'localhost', '::1']);

export function assertLoopback(host: string): void {
  if (!LOOPBACK_BIND.has(host)) {
    throw new LadingError('invalid-input', `The browser bridge listens on loopback only, not on "${host}".`, {
      hint: 'Use 127.0.0.1; to reach it from elsewhere, use an SSH tunnel.',
    });
  }
}

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison, so the secret cannot be guessed byte by byte from response timing. */
export function secretMatches(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A page on another site can resolve its own name to 127.0.0.1 (DNS rebinding) and then talk to us as
 * "same origin"; its requests still carry its own name in Host. Only our literal loopback names pass.
 */
export function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false;
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  return allowed.includes(hostHeader.toLowerCase());
}

/** A browser sends Origin on cross-origin requests and WebSockets; when present it must be ours. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`].includes(
    origin.toLowerCase(),
  );
}

/**
 * The renderer's Content-Security-Policy; the Electron shell (app://lading) sends the same. connect-src is
 * 'self' alone: CSP 3 lets 'self' match ws: to the page's own host and port, so the bridge's event socket
 * works and no other WebSocket (any port on 127.0.0.1 included) does.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
