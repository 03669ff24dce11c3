/**
 * Whether this login may change a repository the way a batch will (a prune), asked before the batch's
 * first change and failing closed. First what the token says it grants, where it says it (a distribution
 * JWT's `access` claim): that holds even on a registry that answers "unknown" before it checks rights.
 * Then probes that change nothing: a DELETE of a manifest that cannot exist (also finds deletes turned
 * off), and, for push, an upload opened and cancelled (go-containerregistry's CheckPushPermission).
 */
import { LadingError } from './errors';
import type { RepositoryName } from './names';
import { repositoryScope } from './scope';
import type { CallOptions, RegistrySession } from './session';
import { checkManifestDeletes, type TaggingClient } from './tagging';
import { UploadSession } from './upload-session';

export type RightsClient = TaggingClient & RegistrySession;

export type ChangeAction = 'push' | 'delete';

/**
 * Throws `denied` (with the scope to ask for) when this login may not `actions` on `repository`, or the
 * probe's own refusal; `why` says what needs them, for the message.
 */
export async function checkRepositoryRights(
  client: RightsClient,
  repository: RepositoryName,
  actions: readonly ChangeAction[],
  opts: CallOptions & { why?: string } = {},
): Promise<void> {
  const scope = repositoryScope(repository, ['pull', ...actions]);
  const granted = await client.auth.grantedActions(scope, opts.signal);
  if (granted) {
    const missing = actions.filter((a) => !granted.includes(a) && !granted.includes('*'));
    if (missing.length) {
      const has = granted.length ? `only ${granted.join(', ')}` : 'nothing';
      throw new LadingError(
        'denied',
        `${client.registry}'s token for this login grants ${has} on ${repository}, and ${opts.why ?? 'this'} needs ${missing.join(' and ')}; nothing was changed.`,
        {
          scope,
          hint: `Ask the registry's administrator for ${missing.join(' and ')} on ${repository} (token scope ${scope}), or log in as a user who has it.`,
        },
      );
    }
  }
  if (actions.includes('delete')) await checkManifestDeletes(client, repository, opts);
  if (actions.includes('push') && !granted) {
    const probe = new UploadSession(client, repository, { chunkSize: 1 }, { signal: opts.signal });
    try {
      await probe.open();
    } finally {
      await probe.cancel();
    }
  }
}
