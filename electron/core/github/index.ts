/** GitHub Packages: REST (octokit), token scopes, GitHub's naming rules, version roles, ghcr tag delete. */

export { checkAnonymousPull } from './anonymous';
export { createGitHubApi, hasScope, parseScopes, toGitHubError } from './api';
export { THROWAWAY_ANNOTATION } from './delete';
export { type DeleteOnGitHubArgs, deleteOnGitHub, listGitHubRepositories } from './for-connection';
export {
  GHCR,
  GITHUB_API,
  ghesApiUrl,
  ghesHostFromRegistry,
  ghesRegistryHosts,
  githubApiUrlFor,
  githubKindForRegistry,
  githubWebUrlFor,
  isGitHubKind,
  LEGACY_DOCKER,
  packageTypeFor,
} from './hosts';
export { packageSettingsUrl, parsePackageRef, repositoryFor } from './names';
export { type GitHubPackage, GitHubPackages, type GitHubVersion } from './packages';
export {
  githubKindForPushTarget,
  githubPushPreflight,
  pushWithGitHubRules,
  repositoryHasTags,
} from './push-preflight';
export {
  firstPushNotice,
  firstPushNoticeFor,
  githubLabelWarnings,
  githubPushChecks,
  type LabelWarning,
  type PushCheckInput,
  type PushChecks,
} from './push-rules';
export { assertDeletable, assignRoles } from './roles';
export { checkGitHubToken, missingScopes, scopesFor, type TokenCheck } from './scopes';
export { githubSession } from './session';
export { deleteGuardedVersion, versionToDelete } from './version-delete';
