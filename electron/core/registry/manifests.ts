/**
 * Manifests: GET (digest verified, schema 1 refused, the media type reconciled with Content-Type), HEAD
 * (falling back to GET where the registry leaves out the digest), PUT and DELETE.
 */
import { algorithmOf, digestOf, verifyDigest } from './digest';
import { LadingError } from './errors';
import { header, mediaTypeOf } from './headers';
import { isIndex, type Manifest } from './manifest';
import { MANIFEST_ACCEPT, MediaType } from './mediatypes';
import { type Digest, isDigest, type ManifestReference, type RepositoryName } from './names';
import { operationScope } from './scope';
import { type CallOptions, type RegistrySession, v2Path } from './session';
import { parseJsonBody, readBytes } from './transport';

export interface ManifestResult {
  digest: Digest;
  mediaType: string;
  size: number;
  bytes: Buffer;
  manifest: Manifest;
}

export interface ManifestHead {
  digest: Digest;
  mediaType: string;
  size: number;
}

export const MANIFEST_LIMIT = 4 * 1024 * 1024;

export async function getManifest(
  session: RegistrySession,
  repository: RepositoryName,
  reference: ManifestReference,
  opts: CallOptions = {},
): Promise<ManifestResult> {
  const scopes = [operationScope(repository, 'pull')];
  const what = `get manifest ${repository}:${reference}`;
  const res = await session.send(
    {
      method: 'GET',
      url: v2Path(repository, `manifests/${reference}`),
      headers: { accept: MANIFEST_ACCEPT },
      signal: opts.signal,
    },
    scopes,
  );
  if (res.status !== 200) throw await session.error(res, scopes, { what, notFound: 'manifest-unknown' });
  const bytes = await readBytes(res, MANIFEST_LIMIT, 'manifest');
  const what2 = `The manifest ${repository}@${reference}`;
  let digest: Digest;
  if (isDigest(reference)) {
    digest = verifyDigest(bytes, reference, what2);
  } else {
    const claimed = header(res.headers, 'docker-content-digest');
    digest = claimed && isDigest(claimed) ? verifyDigest(bytes, claimed, what2) : digestOf(bytes);
  }
  const manifest = parseJsonBody<Manifest>(bytes, res, 'manifest');
  if (!manifest || typeof manifest !== 'object')
    throw new LadingError('protocol-error', `${what2} is not a JSON object.`);
  if ((manifest as { schemaVersion?: number }).schemaVersion === 1) {
    throw new LadingError(
      'unsupported',
      `${repository}:${reference} uses the old Docker schema 1 manifest format.`,
      {
        hint: 'Re-push the image with a current tool to convert it to schema 2 / OCI.',
      },
    );
  }
  const mediaType = resolveMediaType(mediaTypeOf(header(res.headers, 'content-type')), manifest, what2);
  return { digest, mediaType, size: bytes.length, bytes, manifest };
}

/** HEAD a manifest (does not count against Docker Hub pull limits); undefined when it does not exist. */
export async function headManifest(
  session: RegistrySession,
  repository: RepositoryName,
  reference: ManifestReference,
  opts: CallOptions = {},
): Promise<ManifestHead | undefined> {
  const scopes = [operationScope(repository, 'pull')];
  const res = await session.send(
    {
      method: 'HEAD',
      url: v2Path(repository, `manifests/${reference}`),
      headers: { accept: MANIFEST_ACCEPT },
      signal: opts.signal,
    },
    scopes,
  );
  await res.body.dump().catch(() => {});
  if (res.status === 404) return undefined;
  if (res.status !== 200)
    throw await session.error(res, scopes, {
      what: `check manifest ${repository}:${reference}`,
      notFound: 'manifest-unknown',
    });
  const digest = header(res.headers, 'docker-content-digest');
  const mediaType = mediaTypeOf(header(res.headers, 'content-type'));
  const size = Number(header(res.headers, 'content-length'));
  if (!digest || !isDigest(digest) || !mediaType || !Number.isFinite(size)) {
    // Registries that leave out Docker-Content-Digest on HEAD: fall back to a GET.
    const full = await getManifest(session, repository, reference, opts);
    return { digest: full.digest, mediaType: full.mediaType, size: full.size };
  }
  if (isDigest(reference) && digest !== reference) {
    throw new LadingError(
      'digest-mismatch',
      `${session.registry} answered HEAD ${repository}@${reference} with digest ${digest}.`,
    );
  }
  return { digest, mediaType, size };
}

export async function putManifest(
  session: RegistrySession,
  repository: RepositoryName,
  reference: ManifestReference,
  bytes: Buffer,
  mediaType: string,
  opts: CallOptions = {},
): Promise<{ digest: Digest }> {
  const scopes = [operationScope(repository, 'push')];
  const digest = isDigest(reference)
    ? verifyDigest(bytes, reference, 'The manifest being pushed')
    : digestOf(bytes);
  const res = await session.send(
    {
      method: 'PUT',
      url: v2Path(repository, `manifests/${reference}`),
      headers: { 'content-type': mediaType },
      body: bytes,
      signal: opts.signal,
    },
    scopes,
  );
  if (res.status !== 201 && res.status !== 200 && res.status !== 202) {
    throw await session.error(res, scopes, {
      what: `push manifest ${repository}:${reference}`,
      notFound: 'name-unknown',
    });
  }
  await res.body.dump().catch(() => {});
  const claimed = header(res.headers, 'docker-content-digest');
  if (claimed && isDigest(claimed) && algorithmOf(claimed) === 'sha256' && claimed !== digest) {
    throw new LadingError(
      'digest-mismatch',
      `${session.registry} stored the manifest under ${claimed}, but its bytes hash to ${digest}.`,
    );
  }
  return { digest };
}

export async function deleteManifest(
  session: RegistrySession,
  repository: RepositoryName,
  digest: Digest,
  opts: CallOptions = {},
): Promise<void> {
  const scopes = [operationScope(repository, 'delete')];
  const res = await session.send(
    { method: 'DELETE', url: v2Path(repository, `manifests/${digest}`), signal: opts.signal },
    scopes,
  );
  if (res.status !== 202 && res.status !== 200 && res.status !== 204) {
    throw await session.error(res, scopes, {
      what: `delete manifest ${repository}@${digest}`,
      notFound: 'manifest-unknown',
    });
  }
  await res.body.dump().catch(() => {});
}

/**
 * The manifest's media type: Content-Type (parameters stripped) must agree with the manifest's own
 * `mediaType` field when both are present; generic JSON types fall back to the field or the shape.
 */
function resolveMediaType(contentType: string | undefined, manifest: Manifest, what: string): string {
  const field = typeof manifest.mediaType === 'string' ? manifest.mediaType : undefined;
  const generic =
    !contentType ||
    contentType === 'application/json' ||
    contentType === 'text/plain' ||
    contentType === 'application/octet-stream';
  if (!generic && field && field !== contentType) {
    throw new LadingError(
      'protocol-error',
      `${what} says its media type is ${field} but was served as ${contentType}.`,
      {
        hint: 'The registry or the image is inconsistent; re-push the image.',
      },
    );
  }
  if (!generic) return contentType;
  if (field) return field;
  return isIndex(manifest) ? MediaType.ociIndex : MediaType.ociManifest;
}
