/**
 * Per-registry authentication: one ping of `/v2/` (cached), then no auth, Basic, or the Docker token
 * exchange (Bearer) with a token cache keyed by scope set. `send()` attaches the right Authorization for the
 * operation's scopes and, on a 401, re-authenticates once with the challenge's scope merged in.
 */

import { getDomain } from 'tldts';
import { type Challenge, findChallenge, parseChallenges } from './challenge';
import type { Credential, CredentialProvider } from './credential-types';
import { LadingError } from './errors';
import { registryHostname } from './reference';
import { formatScope, parseScope, parseScopes, scopeCovers, scopeKey, withChallengeScopes } from './scope';
import { tokenGrants } from './token-claims';
import {
  cancelled,
  type Response,
  readJson,
  type SendRequest,
  type StatusContext,
  statusError,
  type Transport,
} from './transport';

export type AuthScheme = 'none' | 'basic' | 'bearer';

export interface PingResult {
  scheme: AuthScheme;
  realm?: string;
  service?: string;
}

export interface AuthenticatorOptions {
  registry: string;
  transport: Transport;
  credentials?: Credential | CredentialProvider;
  /** Allow sending credentials to a token realm on another host (off by default: SSRF / credential leak). */
  allowCrossHostRealm?: boolean;
  /** How the front end tells its user to fix credentials; default `neutralLoginHints`. */
  loginHints?: LoginHints;
}

/**
 * The hint on an `unauthorized` error, in the words of the front end the user is in: the CLI says which
 * command to run, the app points at the connection's saved login.
 */
export interface LoginHints {
  /** The registry refused the username and password (or token). */
  rejected(registry: string): string;
  /** The registry needs credentials and none were given. */
  missing(registry: string): string;
}

/** Wording that names no front end's command or screen. */
export const neutralLoginHints: LoginHints = {
  rejected: (registry) =>
    `Log in again with a valid username and password (or token) for ${registry}; the one used may be wrong, expired or revoked.`,
  missing: (registry) => `Log in first: give a username and password (or token) for ${registry}.`,
};

interface CachedToken {
  token: string;
  expiresAt: number;
  /** The scopes it was asked for: a token for `pull,push` on a repository also serves its `pull` requests. */
  scopes?: readonly string[];
}

const DEFAULT_TOKEN_LIFETIME_S = 60;
const TOKEN_BODY_LIMIT = 1024 * 1024;
const GITHUB_HOSTS = new Set(['ghcr.io', 'docker.pkg.github.com']);

/** ghcr.io, docker.pkg.github.com and GHE.com container hosts (containers.SUBDOMAIN.ghe.com). */
export function isGitHubRegistry(registry: string): boolean {
  const host = registry.toLowerCase();
  // GHES hosts (containers.HOSTNAME) cannot be told apart from any other registry by name, so they are not included.
  return GITHUB_HOSTS.has(host) || host.endsWith('.ghe.com');
}

/** The classic-PAT scope GitHub wants for a token scope's strongest action. */
export function patScopeFor(scope: string | undefined): string {
  const actions = (scope && parseScope(scope)?.actions) || [];
  if (actions.includes('delete')) return 'delete:packages';
  if (actions.includes('push')) return 'write:packages';
  return 'read:packages';
}

/**
 * Same registrable domain by the Public Suffix List, private section included (auth.docker.io and
 * registry-1.docker.io are one site; a.github.io and b.github.io are not). IP addresses and single labels
 * such as localhost have no registrable domain, so they are never the same site as anything.
 */
function sameSite(a: string, b: string): boolean {
  const site = (h: string) => getDomain(h, { allowPrivateDomains: true });
  const siteA = site(a);
  return siteA !== null && siteA === site(b);
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** Waits for `p`, rejecting with `cancelled` as soon as `signal` aborts (p itself keeps running). */
function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class Authenticator {
  readonly registry: string;
  private readonly transport: Transport;
  private readonly credentialSource?: Credential | CredentialProvider;
  private readonly allowCrossHostRealm: boolean;
  private readonly loginHints: LoginHints;
  private pingPromise?: Promise<PingResult>;
  private challenge?: Challenge;
  private scheme?: AuthScheme;
  private credentialPromise?: Promise<Credential | undefined>;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pendingTokens = new Map<string, Promise<CachedToken>>();
  /** The token endpoint (or the registry, for Basic) refused the saved credentials. */
  private credentialsRejected = false;

  constructor(opts: AuthenticatorOptions) {
    this.registry = opts.registry;
    this.transport = opts.transport;
    this.credentialSource = opts.credentials;
    this.allowCrossHostRealm = opts.allowCrossHostRealm ?? false;
    this.loginHints = opts.loginHints ?? neutralLoginHints;
  }

  private credential(): Promise<Credential | undefined> {
    const src = this.credentialSource;
    this.credentialPromise ??= typeof src === 'function' ? src(this.registry) : Promise.resolve(src);
    return this.credentialPromise;
  }

  private async hasSecret(): Promise<boolean> {
    const c = await this.credential();
    return !!(c && (c.password || c.identityToken || c.registryToken));
  }

  /** GET /v2/ once; the challenge decides the scheme. The ping's `scope` is ignored (ghcr sends a placeholder). */
  ping(signal?: AbortSignal): Promise<PingResult> {
    if (!this.pingPromise) {
      // Shared by every caller, so not bound to the first caller's abort signal.
      this.pingPromise = this.doPing();
      this.pingPromise.catch(() => {
        this.pingPromise = undefined;
      });
    }
    return untilAborted(this.pingPromise, signal);
  }

  private async doPing(): Promise<PingResult> {
    const res = await this.transport.send({ method: 'GET', url: '/v2/' });
    await res.body.dump().catch(() => {});
    if (res.status === 401) {
      this.adoptChallenges(parseChallenges(res.headers['www-authenticate']));
      if (!this.scheme) {
        throw new LadingError(
          'protocol-error',
          `${this.registry} answered 401 to /v2/ without a usable authentication challenge.`,
        );
      }
    } else if (res.status >= 200 && res.status < 300) {
      this.scheme = 'none';
    } else {
      throw new LadingError(
        'protocol-error',
        `${this.registry} does not look like a container registry (GET /v2/ answered HTTP ${res.status}).`,
        {
          hint: 'Check the registry address; it should be the host serving the /v2/ API.',
          status: res.status,
        },
      );
    }
    return this.pingResult();
  }

  private pingResult(): PingResult {
    const result: PingResult = { scheme: this.scheme ?? 'none' };
    if (this.scheme === 'bearer' && this.challenge) {
      if (this.challenge.params.realm) result.realm = this.challenge.params.realm;
      if (this.challenge.params.service) result.service = this.challenge.params.service;
    }
    return result;
  }

  private adoptChallenges(challenges: Challenge[]): void {
    const bearer = findChallenge(challenges, 'bearer');
    if (bearer?.params.realm) {
      this.scheme = 'bearer';
      this.challenge = bearer;
    } else if (findChallenge(challenges, 'basic')) {
      this.scheme = 'basic';
    }
  }

  /** The Authorization header value for these scopes (undefined = send none). */
  async authorization(
    scopes: readonly string[],
    signal?: AbortSignal,
    force = false,
  ): Promise<string | undefined> {
    await this.ping(signal);
    const cred = await this.credential();
    if (this.scheme === 'none') return undefined;
    if (cred?.registryToken) return `Bearer ${cred.registryToken}`;
    if (this.scheme === 'basic') {
      // Some helpers store a token as identitytoken even for Basic registries; it is the password then.
      const password = cred?.password ?? cred?.identityToken;
      return password !== undefined ? basicHeader(cred?.username ?? '<token>', password) : undefined;
    }
    const key = scopeKey(scopes);
    const cached = force ? undefined : (this.tokens.get(key) ?? this.coveringToken(scopes));
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    // Parallel transfers asking for the same scopes share one token request (or one for more scopes).
    let pending = this.pendingTokens.get(key) ?? (force ? undefined : this.coveringPending(scopes));
    if (!pending) {
      // Not tied to one caller's signal: cancelling one transfer must not fail the others sharing the token.
      pending = this.fetchToken(scopes)
        .then((t) => ({ ...t, scopes: [...scopes] }))
        .finally(() => this.pendingTokens.delete(key));
      this.pendingTokens.set(key, pending);
    }
    const fresh = await untilAborted(pending, signal);
    this.tokens.set(key, fresh);
    return `Bearer ${fresh.token}`;
  }

  /**
   * A live token asked for scopes that include all of these: a push's token (`pull,push`) serves its HEADs,
   * a token round trip saved per repository and command. A token the registry then refuses is dropped by
   * `send` and a fresh one asked for the exact scopes.
   */
  private coveringToken(scopes: readonly string[]): CachedToken | undefined {
    const now = Date.now();
    for (const t of this.tokens.values()) {
      if (t.scopes && t.expiresAt > now && scopes.every((s) => scopeCovers(t.scopes ?? [], s))) return t;
    }
    return undefined;
  }

  /** A token request under way for scopes that include all of these. */
  private coveringPending(scopes: readonly string[]): Promise<CachedToken> | undefined {
    for (const [key, pending] of this.pendingTokens) {
      const asked = key.split(' ');
      if (scopes.every((s) => scopeCovers(asked, s))) return pending;
    }
    return undefined;
  }

  /**
   * The actions this login's token for `scope` says it grants on the scope's resource (the JWT `access`
   * claim), or undefined when the registry does not say (no token auth, Basic, an opaque token).
   */
  async grantedActions(scope: string, signal?: AbortSignal): Promise<string[] | undefined> {
    const parsed = parseScope(scope);
    const header = await this.authorization([scope], signal);
    if (!parsed || !header?.startsWith('Bearer ')) return undefined;
    // A token got anonymously after the saved login was refused says nothing about that login.
    if (this.credentialsRejected) throw this.rejectedCredentials();
    return tokenGrants(header.slice('Bearer '.length), parsed.resourceType, parsed.resourceName);
  }

  /** Whether saved credentials may be sent to this realm (same host/site, HTTPS kept, or explicitly allowed). */
  private realmTrusted(realm: URL): boolean {
    const base = this.transport.baseUrl;
    if (base.protocol === 'https:' && realm.protocol !== 'https:') return false;
    // The registry's own host, on any port (a token service beside it). Judged by the registry's name, not
    // the address requests go to, which tests and proxies may point elsewhere.
    if (realm.host === base.host || realm.hostname === registryHostname(this.registry)) return true;
    if (this.allowCrossHostRealm) return true;
    return sameSite(realm.hostname, base.hostname);
  }

  private async fetchToken(scopes: readonly string[], signal?: AbortSignal): Promise<CachedToken> {
    const ch = this.challenge;
    if (!ch?.params.realm)
      throw new LadingError('protocol-error', `${this.registry} sent a Bearer challenge without a realm.`);
    let realm: URL;
    try {
      realm = new URL(ch.params.realm, this.transport.baseUrl);
    } catch {
      throw new LadingError('protocol-error', `${this.registry} sent an invalid token realm.`);
    }
    const cred = await this.credential();
    const withSecret = !!(cred && (cred.identityToken || (cred.username !== undefined && cred.password)));
    if (withSecret && !this.realmTrusted(realm)) {
      throw new LadingError(
        'unauthorized',
        `${this.registry} asks for credentials to be sent to ${realm.protocol}//${realm.host}, which is not the registry.`,
        {
          hint:
            this.transport.baseUrl.protocol === 'https:' && realm.protocol !== 'https:'
              ? 'The token service uses plain HTTP while the registry uses HTTPS; Lading will not send your password over it.'
              : 'Lading only sends saved credentials to the registry host itself. If you trust this token service, allow cross-host token realms for this connection.',
        },
      );
    }
    if (withSecret && cred) {
      const res = cred.identityToken
        ? await this.oauthRefresh(realm, ch, scopes, cred, signal)
        : await this.tokenGet(
            realm,
            ch,
            scopes,
            basicHeader(cred.username ?? '', cred.password ?? ''),
            signal,
          );
      if (res.status === 200) return this.parseToken(res);
      if (res.status === 401 || res.status === 403) {
        await res.body.dump().catch(() => {});
        this.credentialsRejected = true;
        // ghcr answers 403 to stale credentials even for public images: an anonymous token may still do.
        const anon = await this.tokenGet(realm, ch, scopes, undefined, signal);
        if (anon.status === 200) return this.parseToken(anon);
        await anon.body.dump().catch(() => {});
        throw this.rejectedCredentials();
      }
      throw await statusError(res, { what: 'token request' });
    }
    const res = await this.tokenGet(realm, ch, scopes, undefined, signal);
    if (res.status === 200) return this.parseToken(res);
    if (res.status === 401 || res.status === 403) {
      await res.body.dump().catch(() => {});
      throw this.missingCredentials();
    }
    throw await statusError(res, { what: 'token request' });
  }

  private tokenGet(
    realm: URL,
    ch: Challenge,
    scopes: readonly string[],
    authorization: string | undefined,
    signal?: AbortSignal,
  ) {
    const url = new URL(realm);
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    // Basic credentials go to the realm's host only, never to wherever it might redirect.
    return this.transport.send({ method: 'GET', url, signal, authorization, authorizationHost: realm.host });
  }

  /** OAuth2 refresh-token grant; a 404 means the realm only does GET (distribution's oauth.md). */
  private async oauthRefresh(
    realm: URL,
    ch: Challenge,
    scopes: readonly string[],
    cred: Credential,
    signal?: AbortSignal,
  ): Promise<Response> {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: cred.identityToken ?? '',
      client_id: 'lading',
    });
    if (ch.params.service) form.set('service', ch.params.service);
    if (scopes.length) form.set('scope', scopes.join(' '));
    const res = await this.transport.send({
      method: 'POST',
      url: realm,
      signal,
      idempotent: true,
      secretBody: true,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    if (res.status !== 404 && res.status !== 405) return res;
    await res.body.dump().catch(() => {});
    return this.tokenGet(
      realm,
      ch,
      scopes,
      basicHeader(cred.username || '<token>', cred.identityToken ?? ''),
      signal,
    );
  }

  private async parseToken(res: Response): Promise<CachedToken> {
    const { value } = await readJson<{ token?: string; access_token?: string; expires_in?: number }>(
      res,
      TOKEN_BODY_LIMIT,
      'token response',
    );
    const token = value.token || value.access_token;
    if (!token)
      throw new LadingError(
        'protocol-error',
        `The token service for ${this.registry} answered without a token.`,
      );
    const lifetime =
      typeof value.expires_in === 'number' && value.expires_in > 0
        ? value.expires_in
        : DEFAULT_TOKEN_LIFETIME_S;
    // Refresh a little early so a token does not expire between being attached and being checked.
    const margin = Math.min(10, lifetime / 4);
    return { token, expiresAt: Date.now() + (lifetime - margin) * 1000 };
  }

  private rejectedCredentials(): LadingError {
    return new LadingError(
      'unauthorized',
      `The registry rejected the username or password for ${this.registry}.`,
      {
        hint: this.loginHints.rejected(this.registry),
        status: 401,
      },
    );
  }

  private missingCredentials(what?: string): LadingError {
    return new LadingError(
      'unauthorized',
      `${this.registry} requires credentials${what ? ` to ${what}` : ''}.`,
      {
        hint: this.loginHints.missing(this.registry),
        status: 401,
      },
    );
  }

  private denied(
    scopes: readonly string[],
    registryMessage: string | undefined,
    status: number,
  ): LadingError {
    const scope = scopes[0];
    const parsed = scope ? parseScope(scope) : undefined;
    const target = parsed ? `${parsed.actions.join(',')} on ${parsed.resourceName}` : 'this operation';
    const github = isGitHubRegistry(this.registry);
    const patScope = github ? patScopeFor(scope) : undefined;
    return new LadingError(
      'denied',
      `${this.registry} denied ${target}${registryMessage ? `: ${registryMessage}` : '.'}`,
      {
        status,
        scope,
        patScope,
        hint: patScope
          ? `Your GitHub token needs the ${patScope} scope (classic PAT) and access to this package. Create one with it and log in again.`
          : 'Your account can log in but lacks permission for this; ask the registry administrator for access.',
      },
    );
  }

  /**
   * Sends a request with authorization for `scopes`. On a 401 it merges the challenge's scope (missing ones
   * first), fetches a fresh token and replays once; a second 401 becomes a specific error.
   */
  async send(req: SendRequest, scopes: readonly string[]): Promise<Response> {
    let current = [...scopes];
    const sent = await this.authorization(current, req.signal);
    const first = await this.transport.send({ ...req, authorization: sent });
    if (first.status !== 401) return first;
    // Whichever cache entry handed out the refused token (perhaps one asked for wider scopes) goes.
    for (const [key, t] of this.tokens) if (`Bearer ${t.token}` === sent) this.tokens.delete(key);
    await first.body.dump().catch(() => {});
    const challenges = parseChallenges(first.headers['www-authenticate']);
    const schemeBefore = this.scheme;
    this.adoptChallenges(challenges);
    // The token just refused must not be handed out again for these scopes.
    this.tokens.delete(scopeKey(current));
    const bearer = findChallenge(challenges, 'bearer');
    if (bearer) current = withChallengeScopes(current, parseScopes(bearer.params.scope).map(formatScope));
    if (
      this.scheme === 'basic' &&
      schemeBefore === 'basic' &&
      this.credentialSource !== undefined &&
      (await this.hasSecret())
    ) {
      // Basic credentials do not change between attempts: the registry rejected them.
      this.credentialsRejected = true;
      throw this.rejectedCredentials();
    }
    const second = await this.transport.send({
      ...req,
      authorization: await this.authorization(current, req.signal, true),
    });
    return second;
  }

  /**
   * The LadingError for a failed response, with authentication made specific: rejected credentials, missing
   * credentials, or a permission the credentials lack (`denied` with the scope and, on GitHub, the PAT scope).
   */
  async responseError(
    res: Response,
    scopes: readonly string[],
    ctx: StatusContext = {},
  ): Promise<LadingError> {
    const challenge = findChallenge(parseChallenges(res.headers['www-authenticate']), 'bearer');
    const base = await statusError(res, ctx);
    if (base.code !== 'unauthorized' && base.code !== 'denied') return base;
    const registryMessage = base.message.includes(': ')
      ? base.message.slice(base.message.indexOf(': ') + 2)
      : undefined;
    const withSecret = await this.hasSecret();
    if (base.code === 'denied' || challenge?.params.error === 'insufficient_scope') {
      if (!withSecret || this.credentialsRejected)
        return this.credentialsRejected ? this.rejectedCredentials() : this.missingCredentials(ctx.what);
      const wanted = challenge?.params.scope ? parseScopes(challenge.params.scope).map(formatScope) : [];
      return this.denied(wanted.length ? wanted : scopes, registryMessage, res.status);
    }
    if (withSecret) return this.rejectedCredentials();
    return this.missingCredentials(ctx.what);
  }

  /**
   * Checks the credentials themselves, for `login` (added by the CLI owner): Basic by an authenticated GET
   * /v2/, Bearer by a token request that must not fall back to an anonymous token. Throws `unauthorized`
   * when they are rejected; a registry without auth accepts anything.
   */
  async verifyCredentials(signal?: AbortSignal): Promise<AuthScheme> {
    await this.ping(signal);
    if (this.scheme === 'none') return 'none';
    if (!(await this.hasSecret())) throw this.missingCredentials();
    if (this.scheme === 'basic') {
      const res = await this.transport.send({
        method: 'GET',
        url: '/v2/',
        signal,
        authorization: await this.authorization([], signal),
      });
      if (res.status < 200 || res.status >= 300) {
        if (res.status !== 401 && res.status !== 403)
          throw await statusError(res, { what: 'credential check' });
        await res.body.dump().catch(() => {});
        throw this.rejectedCredentials();
      }
      await res.body.dump().catch(() => {});
      return 'basic';
    }
    await this.authorization([], signal, true);
    if (this.credentialsRejected) throw this.rejectedCredentials();
    return 'bearer';
  }
}
