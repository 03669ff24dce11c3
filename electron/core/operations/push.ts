/**
 * Pushing an archive to a registry as both front ends do it: the registry's own rules first (GitHub's for a
 * GitHub host), then the transfer, then one outcome with the counts both report. The CLI prints it, the
 * services turn it into a job's result.
 */
import type { Connection } from '../../../shared/types';
import { pushWithGitHubRules } from '../github/push-preflight';
import type { RegistryClient } from '../registry/client';
import { type PushOptions, type PushResult, pushArchive } from '../transfer/push';

export interface PushOperation extends Omit<PushOptions, 'preflight'> {
  /** The push's calls, and `tags` to tell a first push apart. */
  client: PushOptions['client'] & Pick<RegistryClient, 'tags'>;
  /** Which rules apply: the connection's kind and host (GitHub's rules for GitHub hosts). */
  connection: Pick<Connection, 'kind' | 'registry' | 'githubApiUrl' | 'owner' | 'ownerType'>;
}

export interface PushOutcome {
  result: PushResult;
  /** Layers whose bytes went up. */
  uploaded: number;
  /** Layers the registry had (or mounted from another repository): nothing sent. */
  reused: number;
  /** After a new package's first push on GitHub: it is private, and where to change that. */
  notice?: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 layers uploaded, 1 already there" */
export function pushCounts(outcome: Pick<PushOutcome, 'uploaded' | 'reused'>): string {
  const uploaded = `${plural(outcome.uploaded, 'layer')} uploaded`;
  return outcome.reused ? `${uploaded}, ${outcome.reused} already there` : uploaded;
}

export async function pushToRegistry(op: PushOperation): Promise<PushOutcome> {
  const { connection, ...push } = op;
  const { result, notice } = await pushWithGitHubRules({
    connection,
    repository: op.target.repository,
    client: op.client,
    signal: op.signal,
    push: (preflight) => pushArchive({ ...push, preflight }),
  });
  const uploaded = result.layers.filter((l) => l.state === 'done').length;
  const reused = result.layers.filter((l) => l.state === 'exists' || l.state === 'mounted').length;
  return { result, uploaded, reused, notice };
}
