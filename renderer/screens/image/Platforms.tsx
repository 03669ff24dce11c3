/** An index's platforms, each with its image size (config + layers). */
import { useQueries } from '@tanstack/react-query';
import type { ImageInspect } from '../../../shared/types';
import { call } from '../../api';
import { keys } from '../../api/queries';
import { CopyButton } from '../../components/CopyButton';
import { formatBytes, shortDigest, shortMediaType } from '../../lib/format';
import { navigate } from '../../state/route';

/** Attestations and other non-images sit in an index as platform unknown/unknown; they are not platforms. */
export const isAttestation = (m: { platform?: { os: string; architecture: string } }) =>
  m.platform?.os === 'unknown' && m.platform.architecture === 'unknown';

export function usePlatformSizes(connectionId: string, image: ImageInspect | undefined) {
  const manifests = image?.manifests ?? [];
  const results = useQueries({
    queries: manifests.map((m) => ({
      queryKey: keys.inspect(connectionId, image?.repository ?? '', m.digest),
      queryFn: () =>
        call('registry.inspect', { connectionId, repository: image!.repository, reference: m.digest }),
      staleTime: Infinity,
    })),
  });
  const sizes = new Map<string, number | undefined>();
  manifests.forEach((m, i) => {
    sizes.set(m.digest, results[i]?.data?.totalSize);
  });
  const platforms = manifests.filter((m) => !isAttestation(m));
  const known = platforms.map((m) => sizes.get(m.digest));
  const settled = results.every((r) => !r.isPending);
  const total = settled ? known.reduce<number>((n, v) => n + (v ?? 0), 0) : undefined;
  return { sizes, total, platformCount: platforms.length };
}

export function Platforms({
  image,
  connectionId,
  sizes,
}: {
  image: ImageInspect;
  connectionId: string;
  sizes: Map<string, number | undefined>;
}) {
  const manifests = image.manifests ?? [];
  const platformOf = (m: (typeof manifests)[number]) =>
    m.platform
      ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}`
      : '';
  // A platform the index names once opens as `reference?platform=`, so its page keeps the tag it came from.
  const unique = (p: string) =>
    p !== 'unknown/unknown' && manifests.filter((m) => platformOf(m) === p).length === 1;
  return (
    <section className="card" aria-labelledby="plat-h">
      <h2 id="plat-h">
        Platforms <span className="count-pill">{manifests.length}</span>
      </h2>
      <table className="table">
        <thead>
          <tr>
            <th>Platform</th>
            <th>Digest</th>
            <th className="num" title="Image size: config + layers, compressed">
              Size
            </th>
            <th>Media type</th>
            <th>
              <span className="sr-only">Open</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {manifests.map((m) => {
            const refType = m.annotations?.['vnd.docker.reference.type'];
            const platform = m.platform
              ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}`
              : '—';
            const label =
              refType === 'attestation-manifest'
                ? `attestation for ${shortDigest(m.annotations?.['vnd.docker.reference.digest'])}`
                : platform;
            return (
              <tr key={m.digest}>
                <td>{refType ? <span className="muted">{label}</span> : <strong>{label}</strong>}</td>
                <td>
                  <code title={m.digest}>{shortDigest(m.digest)}</code>
                  <CopyButton text={m.digest} label={`Copy digest of ${label}`} />
                </td>
                <td className="num">
                  {sizes.has(m.digest) && sizes.get(m.digest) === undefined ? (
                    <span className="skeleton short" />
                  ) : (
                    formatBytes(sizes.get(m.digest))
                  )}
                </td>
                <td className="muted">{shortMediaType(m.mediaType)}</td>
                <td className="actions">
                  <button
                    type="button"
                    className="btn small"
                    aria-label={`Open ${label}`}
                    onClick={() =>
                      navigate({
                        screen: 'image',
                        connectionId,
                        repository: image.repository,
                        ...(!refType && unique(platformOf(m))
                          ? { reference: image.reference, platform: platformOf(m) }
                          : { reference: m.digest }),
                      })
                    }
                  >
                    Open
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
