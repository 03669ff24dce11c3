/**
 * The real implementations behind the seams: the registry core, the transfer pipelines and the GitHub module.
 * Kept in one file so a test (or a front end) can see at a glance what `createServices` wires by default.
 */
import pkg from '../../package.json';
import { LadingError } from '../registry/errors';
import type { ServiceContext } from './context';
import type { GithubHandlers } from './github-seam';
import { registryFactory as realRegistryFactory } from './registry-adapter';
import type { GithubSeam, RegistryFactory, TransferPipelines } from './seams';

export const appVersion = (): string => pkg.version;

export const registryFactory = (): RegistryFactory => realRegistryFactory;

/** SEAM — transfer pipelines (`electron/transfer/`), wired when they land. */
export function transferPipelines(): TransferPipelines {
  const notYet = () =>
    new LadingError('unsupported', 'Pushing and pulling are not available in this build yet.', {
      hint: 'Use `skopeo copy` meanwhile.',
    });
  return {
    push: async () => {
      throw notYet();
    },
    pull: async () => {
      throw notYet();
    },
  };
}

/** SEAM — GitHub module (`electron/services/github.ts`), wired when it lands. */
export function githubSeam(): GithubSeam | undefined {
  return undefined;
}

export function githubHandlers(): ((ctx: ServiceContext) => GithubHandlers) | undefined {
  return undefined;
}
