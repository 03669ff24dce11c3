/** The registry core's RegistryClient behind the services' RegistryPort. */
import type { LoginHints } from '../../core/registry/auth';
import { RegistryClient } from '../../core/registry/client';
import { LadingError } from '../../core/registry/errors';
import { deleteDigest, deleteTag, tagImage } from '../../core/registry/tagging';
import type { RegistryPort } from './registry-port';
import type { ConnectionAccess } from './seams';

/** `unauthorized` hints for the app: the fix is in the connection's settings, not a command. */
export const appLoginHints: LoginHints = {
  rejected: () =>
    'Check the username and password (or token) saved for this connection; it may be wrong, expired or revoked.',
  missing: () => 'Edit this connection and add a username and password (or token).',
};

export function createRegistryClient(access: ConnectionAccess): RegistryClient {
  return new RegistryClient({
    registry: access.connection.registry,
    insecure: access.connection.insecure,
    credentials: access.credential,
    loginHints: appLoginHints,
  });
}

export function registryPortFor(client: RegistryClient): RegistryPort {
  return {
    registry: client.registry,
    async ping(signal) {
      return { authScheme: (await client.ping({ signal })).scheme };
    },
    catalog: (signal) => client.catalog({ signal }),
    catalogPage: (cursor, signal) => client.catalogPage({ cursor, signal }),
    tags: (repository, signal) => client.tags(repository, { signal }),
    async headManifest(repository, reference, signal) {
      const head = await client.headManifest(repository, reference, { signal });
      if (!head) {
        throw new LadingError(
          'manifest-unknown',
          `${repository}:${reference} does not exist on ${client.registry}.`,
          {
            hint: 'Reload the tag list; it may have been deleted.',
          },
        );
      }
      return head;
    },
    async getManifest(repository, reference, signal) {
      const m = await client.getManifest(repository, reference, { signal });
      return { digest: m.digest, mediaType: m.mediaType, size: m.size, manifest: m.manifest, raw: m.bytes };
    },
    async getConfig(repository, descriptor, signal) {
      const c = await client.getConfig(repository, descriptor, { signal });
      return { config: c.config, raw: c.bytes };
    },
    deleteTag: (repository, tag, signal) => deleteTag(client, repository, tag, { signal }),
    async deleteDigest(repository, digest, signal) {
      await deleteDigest(client, repository, digest, { signal });
    },
    tag: (source, target, signal) => tagImage(client, source, target, { signal }),
  };
}

export const registryFactory = (access: ConnectionAccess): RegistryPort =>
  registryPortFor(createRegistryClient(access));
