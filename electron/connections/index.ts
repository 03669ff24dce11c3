export { ladingConfigDir } from './config-dir';
export {
  DockerHelperSecretStore,
  EncryptedFileSecretStore,
  MemorySecretStore,
  nodeSecretStore,
  type SafeStorageLike,
  SafeStorageSecretStore,
  type SecretStore,
} from './secret-store';
export { ConnectionStore, defaultGithubApiUrl } from './store';
