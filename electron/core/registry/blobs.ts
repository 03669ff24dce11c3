/**
 * Blob calls that are one request each: the image config (read whole, bounded), existence (HEAD) and
 * cross-repository mount. Streamed downloads are blob-download.ts, uploads upload.ts.
 */
import { readBlob } from './blob-download';
import { LadingError } from './errors';
import { header } from './headers';
import type { Descriptor, ImageConfig } from './manifest';
import type { Digest, RepositoryName } from './names';
import { operationScope } from './scope';
import { type CallOptions, type RegistrySession, v2Path } from './session';

const CONFIG_LIMIT = 8 * 1024 * 1024;

export async function getConfig(
  session: RegistrySession,
  repository: RepositoryName,
  descriptor: Pick<Descriptor, 'digest' | 'size'>,
  opts: CallOptions = {},
): Promise<{ bytes: Buffer; config: ImageConfig }> {
  const bytes = await readBlob(session, repository, descriptor, CONFIG_LIMIT, opts);
  let config: ImageConfig;
  try {
    config = JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    throw new LadingError(
      'protocol-error',
      `The image config ${descriptor.digest} in ${repository} is not valid JSON.`,
    );
  }
  return { bytes, config };
}

export async function blobExists(
  session: RegistrySession,
  repository: RepositoryName,
  digest: Digest,
  opts: CallOptions = {},
): Promise<boolean> {
  const scopes = [operationScope(repository, 'pull')];
  const res = await session.send(
    { method: 'HEAD', url: v2Path(repository, `blobs/${digest}`), signal: opts.signal },
    scopes,
  );
  await res.body.dump().catch(() => {});
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await session.error(res, scopes, { what: `check blob ${digest}`, notFound: 'blob-unknown' });
}

/** Cross-repository mount. 201 = mounted; 202 = the registry opened an upload instead (cancelled here). */
export async function mountBlob(
  session: RegistrySession,
  repository: RepositoryName,
  digest: Digest,
  fromRepository: RepositoryName,
  opts: CallOptions = {},
): Promise<boolean> {
  const scopes = [operationScope(repository, 'push'), operationScope(fromRepository, 'pull')];
  const url = session.transport.resolve(v2Path(repository, 'blobs/uploads/'));
  url.searchParams.set('mount', digest);
  url.searchParams.set('from', fromRepository);
  const res = await session.send(
    { method: 'POST', url, headers: { 'content-length': '0' }, signal: opts.signal, idempotent: true },
    scopes,
  );
  await res.body.dump().catch(() => {});
  if (res.status === 201) return true;
  if (res.status === 202) {
    const loc = header(res.headers, 'location');
    if (loc) {
      const del = await session
        .send({ method: 'DELETE', url: new URL(loc, res.url), retries: 0 }, scopes)
        .catch(() => undefined);
      await del?.body.dump().catch(() => {});
    }
    return false;
  }
  throw await session.error(res, scopes, {
    what: `mount ${digest} from ${fromRepository}`,
    notFound: 'name-unknown',
  });
}
