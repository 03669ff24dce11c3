/**
 * SEAM — GitHub Packages. `electron/app/services/github.ts` (the GitHub engineer's) provides the `github.*`
 * handlers, package listing for GitHub hosts, token scopes and package-version deletes. Until it is wired in
 * `index.ts`, these stand-ins answer with a clear `unsupported` error (and repositories fall back to manual).
 */
import type { Handlers } from '../../../shared/contract';
import { LadingError } from '../../core/registry/errors';
import type { ServiceContext } from './context';
import type { GithubSeam } from './seams';

export type GithubHandlers = Pick<
  Handlers,
  'github.package' | 'github.versions' | 'github.deleteVersion' | 'github.restoreVersion'
>;

const notYet = () =>
  new LadingError('unsupported', 'GitHub Packages support is not available in this build.', {
    hint: 'Browse by typing a repository name.',
  });

export const unavailableGithub: GithubSeam = {
  repositories: async () => ({
    source: 'manual',
    repositories: [],
    note: 'Listing GitHub packages is not available in this build. Type a repository name (owner/name) to browse its tags.',
  }),
  tokenScopes: async () => undefined,
};

export function unavailableGithubHandlers(_ctx: ServiceContext): GithubHandlers {
  return {
    'github.package': async () => {
      throw notYet();
    },
    'github.versions': async () => {
      throw notYet();
    },
    'github.deleteVersion': async () => {
      throw notYet();
    },
    'github.restoreVersion': async () => {
      throw notYet();
    },
  };
}
