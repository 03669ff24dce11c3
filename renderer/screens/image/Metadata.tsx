import { useMemo } from 'react';
import type { ImageInspect } from '../../../shared/types';
import { ExternalLink } from '../../components/ExternalLink';
import { safeHttpsUrl } from '../../lib/github';
import { packageMetadata } from '../../lib/labels';
import { KV } from './bits';

export function Metadata({ image }: { image: ImageInspect }) {
  const meta = useMemo(() => packageMetadata(image), [image]);
  const warn = (key: string) =>
    meta.warnings
      .filter((w) => w.key === key)
      .map((w) => (
        <div key={w.message} className="warn" role="note">
          ⚠ {w.message}
        </div>
      ));
  const sourceUrl = safeHttpsUrl(meta.source);
  return (
    <section className="card" aria-labelledby="meta-h">
      <h2 id="meta-h">Package metadata</h2>
      <p className="card-sub">
        {(image.manifests?.length ?? 0) > 0
          ? 'What GitHub’s package page shows: for a multi-platform image, from the index annotations. Open a platform for its labels.'
          : 'What GitHub’s package page shows, from the OCI labels and annotations.'}
      </p>
      <dl className="kv">
        <KV k="Title">{meta.title ?? <span className="muted">not set</span>}</KV>
        <KV k="Description">
          {meta.description ? (
            <span className="description">{meta.description}</span>
          ) : (
            <span className="muted">not set</span>
          )}
          {warn('org.opencontainers.image.description')}
        </KV>
        <KV k="Licenses">
          {meta.licenses ?? <span className="muted">not set</span>}
          {warn('org.opencontainers.image.licenses')}
        </KV>
        <KV k="Source">
          {meta.source ? (
            sourceUrl ? (
              <ExternalLink href={sourceUrl} className="link">
                {meta.source}
              </ExternalLink>
            ) : (
              <span>{meta.source}</span>
            )
          ) : (
            <span className="muted">not set</span>
          )}
          {warn('org.opencontainers.image.source')}
        </KV>
      </dl>
      {meta.warnings
        .filter(
          (w) =>
            ![
              'org.opencontainers.image.description',
              'org.opencontainers.image.licenses',
              'org.opencontainers.image.source',
            ].includes(w.key),
        )
        .map((w) => (
          <div key={w.key + w.message} className="warn" role="note">
            ⚠ {w.key}: {w.message}
          </div>
        ))}
      {meta.others.length > 0 && (
        <details className="others" open={meta.others.length <= 12}>
          <summary>Other labels and annotations ({meta.others.length})</summary>
          <table className="table compact">
            <tbody>
              {meta.others.map((o) => (
                <tr key={`${o.from}:${o.key}`}>
                  <th scope="row" className="mono">
                    {o.key}
                  </th>
                  <td className="wrap">{o.value}</td>
                  <td className="muted">{o.from}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </section>
  );
}
