import { createPrivateKey, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { run } from './exec';

/** A user known to a test registry. */
export interface TestUser {
  username: string;
  password: string;
}

/** One scope as the token spec writes it: `repository:name:pull,push` or `registry:catalog:*`. */
export interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

/** What the issuer saw on one token request (for assertions about what a client asked for). */
export interface TokenRequestRecord {
  method: 'GET' | 'POST';
  scopes: string[];
  /** The authenticated username; null for anonymous requests and for rejected credentials. */
  user: string | null;
  grantType?: 'password' | 'refresh_token';
  /** The HTTP status the issuer answered with. */
  status: number;
}

/** A Docker token-spec authorization server for one test registry. */
export interface TokenIssuer {
  url: string;
  /** The `realm` for the registry config: `${url}/token`. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file the registry trusts (`auth.token.rootcertbundle`). */
  rootCertBundle: string;
  requests: TokenRequestRecord[];
  /**
   * Lifetime of tokens issued from now on (`expires_in` and the JWT `exp`). Note: distribution 2.8 allows
   * 60 s of clock-skew leeway past `exp`, so a short TTL changes what clients are told (they should
   * re-fetch early), not when the registry starts refusing; use revokeAll() to make tokens fail now.
   */
  setTtl(seconds: number): void;
  /**
   * Forgets every refresh token, and (when the registry registered a hook) makes the registry stop
   * trusting every access token issued so far.
   */
  revokeAll(): Promise<void>;
  /** Signs a token for the given access directly, bypassing credential checks (for raw HTTP in helpers). */
  mintToken(access: ResourceAccess[], subject?: string): string;
  stop(): Promise<void>;
}

export interface TokenIssuerOptions {
  dir: string;
  user: TestUser;
  reader: TestUser;
  anonymousPull: string[];
  ttlSeconds: number;
  /** Called by revokeAll() after the signing key was replaced; the registry reloads its trust bundle. */
  onRevoke?: () => Promise<void>;
}

interface SigningKey {
  key: KeyObject;
  /** base64 DER of the self-signed certificate, for the JWS `x5c` header. */
  certDer: string;
}

const SERVICE = 'lading-test-registry';
const ISSUER = 'lading-test-issuer';

async function makeSigningKey(dir: string, name: string): Promise<SigningKey & { certPem: string }> {
  const keyFile = join(dir, `${name}.key.pem`);
  const certFile = join(dir, `${name}.cert.pem`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '3',
    '-subj',
    `/CN=${ISSUER}-${name}`,
  ]);
  const certPem = await readFile(certFile, 'utf8');
  const key = createPrivateKey(await readFile(keyFile, 'utf8'));
  return { key, certPem, certDer: new X509Certificate(certPem).raw.toString('base64') };
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Parses `type:name:a,b`; the name may itself contain ':' (e.g. a registry host), the actions never do. */
export function parseScope(scope: string): ResourceAccess | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return null;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter((a) => a.length > 0),
  };
}

export async function startTokenIssuer(opts: TokenIssuerOptions): Promise<TokenIssuer> {
  const bundleFile = join(opts.dir, 'issuer-bundle.pem');
  let signing = await makeSigningKey(opts.dir, 'issuer-0');
  await writeFile(bundleFile, signing.certPem);
  let generation = 0;
  let ttl = opts.ttlSeconds;
  const refreshTokens = new Map<string, string>(); // refresh token -> username
  const requests: TokenRequestRecord[] = [];

  function grant(user: string | null, requested: ResourceAccess[]): ResourceAccess[] {
    const granted: ResourceAccess[] = [];
    for (const r of requested) {
      let allowed: string[] = [];
      if (user === opts.user.username) {
        allowed = r.actions;
      } else if (r.type === 'repository') {
        const pullable =
          user === opts.reader.username ||
          opts.anonymousPull.some((prefix) => r.name === prefix || r.name.startsWith(prefix));
        if (pullable) allowed = r.actions.filter((a) => a === 'pull');
      }
      // Partial grants are not an error (token spec): the token carries the intersection.
      granted.push({ type: r.type, name: r.name, actions: allowed });
    }
    return granted;
  }

  function mintToken(access: ResourceAccess[], subject = ''): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [signing.certDer] };
    const claims = {
      iss: ISSUER,
      sub: subject,
      aud: SERVICE,
      exp: now + ttl,
      nbf: now - 5,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    return `${input}.${base64url(sign('RSA-SHA256', Buffer.from(input), signing.key))}`;
  }

  function basicUser(req: IncomingMessage): { username: string; password: string } | null {
    const h = req.headers.authorization;
    if (!h?.toLowerCase().startsWith('basic ')) return null;
    const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { username: decoded, password: '' };
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }

  function checkPassword(username: string, password: string): boolean {
    return [opts.user, opts.reader].some((u) => u.username === username && u.password === password);
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  function tokenResponse(user: string | null, scopes: string[], offline: boolean, oauth: boolean) {
    const access = grant(
      user,
      scopes.map(parseScope).filter((s): s is ResourceAccess => s !== null),
    );
    const token = mintToken(access, user ?? '');
    const body: Record<string, unknown> = {
      access_token: token,
      expires_in: ttl,
      issued_at: new Date().toISOString(),
    };
    if (!oauth) body.token = token;
    else body.scope = scopes.join(' ');
    if (offline && user) {
      const refresh = randomBytes(24).toString('base64url');
      refreshTokens.set(refresh, user);
      body.refresh_token = refresh;
    }
    return body;
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 64 * 1024) throw new Error('token request body too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: 'server_error', details: String(err) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://issuer');
    if (url.pathname !== '/token') return send(res, 404, { error: 'not_found' });
    if (req.method === 'GET') {
      const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
      const creds = basicUser(req);
      if (creds && !checkPassword(creds.username, creds.password)) {
        requests.push({ method: 'GET', scopes, user: null, status: 401 });
        res.setHeader('www-authenticate', `Basic realm="${ISSUER}"`);
        return send(res, 401, {
          errors: [
            { code: 'UNAUTHORIZED', message: 'authentication required', detail: 'invalid credentials' },
          ],
        });
      }
      const user = creds?.username ?? null;
      requests.push({ method: 'GET', scopes, user, status: 200 });
      return send(
        res,
        200,
        tokenResponse(user, scopes, url.searchParams.get('offline_token') === 'true', false),
      );
    }
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const grantType = form.get('grant_type');
      const offline = form.get('access_type') === 'offline';
      if (grantType === 'password') {
        const username = form.get('username') ?? '';
        if (!checkPassword(username, form.get('password') ?? '')) {
          requests.push({ method: 'POST', scopes, user: null, grantType, status: 401 });
          return send(res, 401, {
            error: 'invalid_grant',
            error_description: 'invalid username or password',
          });
        }
        requests.push({ method: 'POST', scopes, user: username, grantType, status: 200 });
        return send(res, 200, tokenResponse(username, scopes, offline, true));
      }
      if (grantType === 'refresh_token') {
        const refresh = form.get('refresh_token') ?? '';
        const username = refreshTokens.get(refresh);
        if (!username) {
          requests.push({ method: 'POST', scopes, user: null, grantType, status: 401 });
          return send(res, 401, {
            error: 'invalid_grant',
            error_description: 'unknown or revoked refresh token',
          });
        }
        requests.push({ method: 'POST', scopes, user: username, grantType, status: 200 });
        const body = tokenResponse(username, scopes, false, true);
        body.refresh_token = refresh;
        return send(res, 200, body);
      }
      requests.push({ method: 'POST', scopes, user: null, status: 400 });
      return send(res, 400, { error: 'unsupported_grant_type' });
    }
    res.setHeader('allow', 'GET, POST');
    return send(res, 405, { error: 'method_not_allowed' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    realm: `${url}/token`,
    service: SERVICE,
    issuer: ISSUER,
    rootCertBundle: bundleFile,
    requests,
    setTtl(seconds: number) {
      ttl = seconds;
    },
    async revokeAll() {
      refreshTokens.clear();
      if (!opts.onRevoke) return;
      // The registry checks signatures only, so revoking means: new key, and the registry trusts only it.
      generation += 1;
      signing = await makeSigningKey(opts.dir, `issuer-${generation}`);
      await writeFile(bundleFile, signing.certPem);
      await opts.onRevoke();
    },
    mintToken,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
