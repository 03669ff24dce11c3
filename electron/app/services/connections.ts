/** Saved connections, verification and credentials found on this machine. */
import { isGitHubKind } from '../../../shared/connection-kinds';
import type { Handlers } from '../../../shared/contract';
import { secretWidening } from '../../../shared/secret-binding';
import type { Connection, ConnectionInput, VerifyResult } from '../../../shared/types';
import { ConnectionInputSchema } from '../../../shared/types';
import { defaultGithubApiUrl, secretMustBeReentered } from '../../core/connections/store';
import { listMachineCredentials } from '../../core/credentials';
import { isLadingError, toErrorInfo } from '../../core/registry/errors';
import { credentialFor, type ServiceContext } from './context';
import type { ConnectionAccess } from './dependencies';

/** "pull, push and delete" */
const listOf = (items: string[], last: 'and' | 'or') =>
  items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${last} ${items.at(-1)}`;

const PACKAGE_SCOPES = ['read:packages', 'write:packages', 'delete:packages'] as const;

/** An unsaved draft as a Connection, with the credential it would use. */
async function draftAccess(ctx: ServiceContext, input: ConnectionInput): Promise<ConnectionAccess> {
  const draft = ConnectionInputSchema.parse(input);
  const registry = draft.registry.toLowerCase();
  const githubApiUrl = draft.githubApiUrl ?? defaultGithubApiUrl(draft.kind, registry);
  // Editing: a draft without a secret keeps using the saved one, but only where it was saved for.
  let savedSecret: string | undefined;
  if (draft.id && !draft.secret && !draft.useMachineCredentials) {
    const saved = await ctx.store.get(draft.id);
    if (saved.hasSecret) {
      const widening = secretWidening(saved, { ...draft, registry, githubApiUrl });
      if (widening) throw secretMustBeReentered(saved.name, widening);
      savedSecret = await ctx.store.secretOf(draft.id);
    }
  }
  const secret = draft.secret || savedSecret;
  const connection: Connection = {
    id: draft.id ?? 'draft',
    name: draft.name,
    kind: draft.kind,
    registry,
    insecure: draft.insecure,
    username: draft.username || undefined,
    hasSecret: !!secret,
    credentialSource: draft.useMachineCredentials ? 'machine' : secret ? 'saved' : 'none',
    owner: draft.owner,
    ownerType: draft.ownerType,
    githubApiUrl,
    allowCrossHostRealm: draft.allowCrossHostRealm || undefined,
    createdAt: new Date().toISOString(),
  };
  return { connection, credential: await credentialFor(connection, secret) };
}

export async function verifyConnection(ctx: ServiceContext, access: ConnectionAccess): Promise<VerifyResult> {
  const { connection, credential } = access;
  const port = ctx.registryFor(access);
  const checks: VerifyResult['checks'] = [];
  const hasCredential = !!credential;

  let authScheme: VerifyResult['authScheme'];
  try {
    authScheme = (await port.ping()).authScheme;
    checks.push({ name: 'Reachable', ok: true, message: `${connection.registry} answers the registry API.` });
  } catch (e) {
    const info = toErrorInfo(e);
    checks.push({
      name: 'Reachable',
      ok: false,
      message: info.hint ? `${info.message} ${info.hint}` : info.message,
    });
    return {
      ok: false,
      // The transport's message already starts "Cannot reach HOST:"; say it once.
      summary: info.message.startsWith('Cannot reach')
        ? info.message
        : `Cannot reach ${connection.registry}: ${info.message}`,
      checks,
      missingScopes: [],
    };
  }

  // Authenticate with a real request: the catalog for generic registries (what the app lists first).
  let authOk = true;
  let authMessage: string;
  if (isGitHubKind(connection.kind)) {
    // GitHub hosts have no catalog; the token is checked against the REST API below.
    authMessage = hasCredential ? 'Credentials will be checked against the GitHub API.' : 'Anonymous access.';
  } else if (connection.kind === 'dockerhub') {
    // No catalog either: a pull-scoped request for a public image makes Docker Hub check the login.
    try {
      await port.headManifest('library/hello-world', 'latest');
      authMessage = hasCredential ? 'Docker Hub accepted the login.' : 'Anonymous access.';
    } catch (e) {
      authOk = false;
      authMessage =
        isLadingError(e) && e.code === 'unauthorized'
          ? 'Docker Hub rejected the username or password (use an access token if 2FA is on).'
          : toErrorInfo(e).message;
    }
  } else {
    try {
      // One page is proof enough, and cheap even when the registry holds 20,000 repositories.
      const page = await port.catalogPage(undefined);
      const count = `${page.repositories.length.toLocaleString('en-US')}${page.next ? '+' : ''}`;
      authMessage = `Listed the catalog (${count} repositor${count === '1' ? 'y' : 'ies'}).`;
    } catch (e) {
      if (isLadingError(e) && e.code === 'unauthorized') {
        authOk = false;
        authMessage = hasCredential
          ? 'The registry rejected the username or password.'
          : 'The registry requires signing in.';
      } else if (isLadingError(e) && (e.code === 'denied' || e.code === 'unsupported' || e.status === 404)) {
        authMessage = 'Signed in, but the catalog is not available; type repository names to browse.';
      } else {
        authOk = false;
        authMessage = toErrorInfo(e).message;
      }
    }
  }
  checks.push({ name: 'Authenticate', ok: authOk, message: authMessage });

  let scopes: string[] | undefined;
  let missingScopes: string[] = [];
  if (isGitHubKind(connection.kind) && hasCredential) {
    try {
      scopes = await ctx.github.tokenScopes(access);
      if (scopes) {
        missingScopes = PACKAGE_SCOPES.filter((s) => !scopes!.includes(s));
        checks.push({
          name: 'Token scopes',
          ok: !missingScopes.includes('read:packages'),
          message: missingScopes.length
            ? `The token lacks ${missingScopes.join(', ')}.`
            : 'The token may read, write and delete packages.',
        });
      } else {
        checks.push({
          name: 'Token scopes',
          ok: true,
          message: 'A fine-grained token or GitHub App token: its permissions are checked when used.',
        });
      }
      if (!missingScopes.includes('read:packages')) {
        // The token works against the API: treat authentication as confirmed.
        checks[1] = { name: 'Authenticate', ok: true, message: 'GitHub accepted the token.' };
      }
    } catch (e) {
      authOk = false;
      const info = toErrorInfo(e);
      checks[1] = { name: 'Authenticate', ok: false, message: info.message };
    }
  }

  const ok = checks.every((c) => c.ok);
  const who = !hasCredential
    ? 'Anonymous'
    : connection.username
      ? `Signed in as ${connection.username}`
      : 'Signed in';
  let summary: string;
  if (!ok) summary = checks.find((c) => !c.ok)!.message;
  else if (scopes) {
    const can = ['read:packages', 'write:packages', 'delete:packages'].map((s) => scopes!.includes(s));
    const verbs = ['pull', 'push', 'delete'];
    const yes = verbs.filter((_, i) => can[i]);
    const no = verbs.filter((_, i) => !can[i]);
    summary = `${who}; can ${listOf(yes, 'and') || 'do nothing'}${no.length ? `, cannot ${listOf(no, 'or')}` : ''}.`;
  } else summary = `${who}; ${connection.registry} works.`;
  return { ok, summary, checks, authScheme, scopes, missingScopes };
}

export function connectionHandlers(
  ctx: ServiceContext,
): Pick<
  Handlers,
  | 'connections.list'
  | 'connections.save'
  | 'connections.remove'
  | 'connections.verify'
  | 'connections.discover'
> {
  return {
    'connections.list': () => ctx.store.list(),
    'connections.save': async (input) => {
      const saved = await ctx.store.save(input);
      ctx.forget(saved.id);
      return saved;
    },
    'connections.remove': async ({ id }) => {
      await ctx.store.remove(id);
      ctx.forget(id);
      return { ok: true as const };
    },
    'connections.verify': async (req) => {
      const access = 'id' in req ? await ctx.access(req.id) : await draftAccess(ctx, req.draft);
      return verifyConnection(ctx, access);
    },
    'connections.discover': async () =>
      (await listMachineCredentials()).map((c) => ({
        registry: c.registry,
        username: c.username,
        source: c.source,
        helper: c.helper,
      })),
  };
}
