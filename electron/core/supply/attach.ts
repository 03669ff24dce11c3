/**
 * Attaching an artifact to an image, as `oras attach` does: the file as the one layer of an OCI 1.1 image
 * manifest with the empty config, `artifactType` and `subject`, pushed by digest; where the registry has no
 * referrers API, the subject's `sha256-<hex>` tag-schema index gets the new entry (the replaced index is
 * left in place, as go-containerregistry does, since deleting may be off or forbidden).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { RegistryClient } from '../registry/client';
import { digestOf } from '../registry/digest';
import { LadingError } from '../registry/errors';
import type { ImageIndex } from '../registry/manifest';
import { MediaType } from '../registry/mediatypes';
import type { Digest, ManifestReference, RepositoryName } from '../registry/names';
import {
  type ReferrerDescriptor,
  referrersFromApi,
  referrersFromTagSchema,
  referrersTag,
} from '../registry/referrers';
import type { CallOptions } from '../registry/session';

export const EMPTY_DESCRIPTOR = {
  mediaType: MediaType.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;

export interface AttachOptions extends CallOptions {
  artifactType: string;
  file: string;
  /** The layer's media type; default application/octet-stream. */
  mediaType?: string;
  annotations?: Record<string, string>;
  /** The time written as org.opencontainers.image.created (tests pin it). */
  now?: Date;
}

export interface AttachResult {
  digest: Digest;
  subject: Digest;
  /** The tag-schema index was updated (the registry has no referrers API). */
  tagSchema: boolean;
}

export type AttachClient = Pick<RegistryClient, 'getManifest' | 'putManifest' | 'uploadBlob' | 'registry'> &
  Parameters<typeof referrersFromApi>[0];

const ARTIFACT_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export async function attachArtifact(
  client: AttachClient,
  repository: RepositoryName,
  reference: ManifestReference,
  opts: AttachOptions,
): Promise<AttachResult> {
  for (const [flag, value] of [
    ['--artifact-type', opts.artifactType],
    ['--media-type', opts.mediaType],
  ] as const) {
    if (value !== undefined && !ARTIFACT_TYPE.test(value)) {
      throw new LadingError('invalid-input', `${flag} "${value}" is not a media type.`, {
        hint: 'Give type/subtype, e.g. application/spdx+json or application/vnd.example.report.v1+json.',
      });
    }
  }
  const size = await fileSize(opts.file);
  const subject = await client.getManifest(repository, reference, opts);
  const call = { signal: opts.signal };
  await client.uploadBlob(repository, [Buffer.from('{}')], {
    ...call,
    expectedDigest: EMPTY_DESCRIPTOR.digest,
    size: 2,
  });
  const layer = await client.uploadBlob(repository, createReadStream(opts.file), {
    ...call,
    size,
    reopen: () => createReadStream(opts.file),
  });
  const annotations = {
    'org.opencontainers.image.created': (opts.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...opts.annotations,
  };
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    artifactType: opts.artifactType,
    config: EMPTY_DESCRIPTOR,
    layers: [
      {
        mediaType: opts.mediaType ?? 'application/octet-stream',
        digest: layer.digest,
        size: layer.size,
        annotations: { 'org.opencontainers.image.title': basename(opts.file) },
      },
    ],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const { digest } = await client.putManifest(
    repository,
    digestOf(bytes),
    bytes,
    MediaType.ociManifest,
    call,
  );
  // Probe the API rather than trusting OCI-Subject (ECR sent it without having the API).
  const hasApi =
    (await referrersFromApi(client, repository, subject.digest, { ...call, maxEntries: 1 })) !== undefined;
  if (!hasApi) {
    await addToTagSchema(
      client,
      repository,
      subject.digest,
      {
        mediaType: MediaType.ociManifest,
        digest,
        size: bytes.length,
        artifactType: opts.artifactType,
        annotations,
      },
      call,
    );
  }
  return { digest, subject: subject.digest, tagSchema: !hasApi };
}

/** Adds an entry to the subject's tag-schema index (created when absent), once. */
export async function addToTagSchema(
  client: AttachClient,
  repository: RepositoryName,
  subject: Digest,
  entry: ReferrerDescriptor,
  opts: CallOptions,
): Promise<void> {
  const current = await referrersFromTagSchema(client, repository, subject, {
    ...opts,
    maxEntries: Number.MAX_SAFE_INTEGER,
  });
  if (current.referrers.some((r) => r.digest === entry.digest)) return;
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [...current.referrers, entry],
  };
  const bytes = Buffer.from(JSON.stringify(index));
  await client.putManifest(repository, referrersTag(subject), bytes, MediaType.ociIndex, opts);
}

async function fileSize(file: string): Promise<number> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a file');
    return s.size;
  } catch {
    throw new LadingError('file-error', `Cannot read ${file}: no such file.`, {
      hint: 'Give the path of the file to attach.',
    });
  }
}
