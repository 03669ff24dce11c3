/** Public API of the registry client. */
export { Authenticator, type AuthScheme, isGitHubRegistry, type PingResult, patScopeFor } from './auth';
export { type Challenge, findChallenge, parseChallenges } from './challenge';
export type { BlobSource, CallOptions, OpenBlobOptions, UploadBlobOptions } from './client';
export {
  MANIFEST_LIMIT,
  type ManifestHead,
  type ManifestResult,
  type PageOptions,
  RegistryClient,
  type RegistryClientOptions,
} from './client';
export type { Credential, CredentialProvider } from './credential-types';
export { algorithmOf, digestOf, verifyDigest } from './digest';
export { type ErrorCode, type ErrorInfo, isLadingError, LadingError, toErrorInfo } from './errors';
export { mediaTypeOf, nextLink, parseLinks, parseRetryAfter, parseUploadRange } from './headers';
export {
  type InspectOptions,
  type InspectResult,
  inspectImage,
  parsePlatform,
  selectPlatform,
} from './inspect';
export * from './manifest';
export * from './mediatypes';
export {
  DOCKER_HUB,
  formatReference,
  isLegacyGitHubDocker,
  isLoopbackRegistry,
  isValidDigest,
  isValidTag,
  parseReference,
  parseRepository,
  type Reference,
  referenceIdentifier,
  registryBaseUrl,
  validateRepository,
} from './reference';
export {
  CATALOG_SCOPE,
  mergeScopes,
  OPERATION_ACTIONS,
  type Operation,
  operationScope,
  parseScope,
  parseScopes,
  type RepositoryAction,
  repositoryScope,
  type Scope,
} from './scope';
