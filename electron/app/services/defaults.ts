/**
 * The real implementations behind the seams: the registry core, the transfer pipelines and the GitHub module.
 * Kept in one file so a test (or a front end) can see at a glance what `createServices` wires by default.
 */
import pkg from '../../../package.json' with { type: 'json' };
import { pushWithGitHubRules } from '../../core/github/index';
import { parseReference } from '../../core/registry/reference';
import { pullImage } from '../../core/transfer/pull';
import { pushArchive } from '../../core/transfer/push';
import type { ServiceContext } from './context';
import { createGithubSeam, githubServiceHandlers } from './github';
import type { GithubHandlers } from './github-seam';
import { createRegistryClient, registryFactory as realRegistryFactory } from './registry-adapter';
import type { GithubSeam, RegistryFactory, TransferPipelines } from './seams';

export const appVersion = (): string => pkg.version;

export const registryFactory = (): RegistryFactory => realRegistryFactory;

const shortDigest = (d: string) => d.slice(0, 19);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The push and pull pipelines of `electron/core/transfer/`, with outcome lines for the transfers panel. */
export function transferPipelines(): TransferPipelines {
  return {
    async push(a) {
      const target = parseReference(`${a.connection.registry}/${a.target.repository}:${a.target.tag}`);
      const warnings: string[] = [];
      const client = createRegistryClient(a);
      // GitHub connections: GitHub's rules before any upload, the private-by-default note after a first push.
      const { result: r, notice } = await pushWithGitHubRules({
        connection: a.connection,
        repository: target.repository,
        client,
        signal: a.signal,
        push: (preflight) =>
          pushArchive({
            archivePath: a.archivePath,
            target,
            image: a.image,
            platform: a.platform,
            compression: a.compression,
            client,
            signal: a.signal,
            onProgress: a.onProgress,
            onWarning: (w) => warnings.push(w),
            preflight,
          }),
      });
      if (notice) warnings.push(notice);
      const uploaded = r.layers.filter((l) => l.state === 'done').length;
      const reused = r.layers.filter((l) => l.state === 'exists' || l.state === 'mounted').length;
      const counts = [
        `${plural(uploaded, 'layer')} uploaded`,
        ...(reused ? [`${reused} already there`] : []),
      ].join(', ');
      return {
        message: `Pushed ${shortDigest(r.digest)} as ${r.tag} (${counts}).`,
        digest: r.digest,
        warnings: [...new Set([...warnings, ...r.warnings])],
      };
    },
    async pull(a) {
      const sep = a.reference.startsWith('sha256:') ? '@' : ':';
      const r = await pullImage({
        client: createRegistryClient(a),
        reference: parseReference(`${a.connection.registry}/${a.repository}${sep}${a.reference}`),
        outputPath: a.outputPath,
        format: a.format,
        platform: a.platform,
        allPlatforms: a.allPlatforms,
        signal: a.signal,
        onProgress: a.onProgress,
      });
      return {
        message: `Pulled ${shortDigest(r.digest)} (${r.platforms.join(', ') || 'image'}) as a ${r.format} archive, ${(r.size / 1e6).toFixed(1)} MB.`,
        digest: r.digest,
      };
    },
  };
}

export function githubSeam(): GithubSeam | undefined {
  return createGithubSeam();
}

export function githubHandlers(): ((ctx: ServiceContext) => GithubHandlers) | undefined {
  return githubServiceHandlers;
}
