import { useQueries } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { isDigestReference } from '../../shared/reference-grammar';
import type { ImageInspect } from '../../shared/types';
import { call } from '../api';
import { keys, useConnection, useInspect } from '../api/queries';
import { Spinner } from '../components/bits';
import { CopyButton } from '../components/CopyButton';
import { CopyLinkButton } from '../components/CopyLinkButton';
import { ErrorBox } from '../components/ErrorBox';
import { ExternalLink } from '../components/ExternalLink';
import { Icon } from '../components/Icon';
import { Breadcrumb } from '../components/ScreenHead';
import { formatBytes, formatDate, formatRelative, plural, shortDigest, shortMediaType } from '../lib/format';
import { safeHttpsUrl } from '../lib/github';
import { packageMetadata, prettyJson } from '../lib/labels';
import { pullCommand } from '../lib/reference';
import { navigate } from '../state/route';
import { useUi } from '../state/ui';

function KV({ k, children }: { k: string; children: React.ReactNode }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{children}</dd>
    </>
  );
}

function DigestLine({ digest, label }: { digest: string; label: string }) {
  return (
    <span className="digest-line">
      <code>{digest}</code>
      <CopyButton text={digest} label={label} />
    </span>
  );
}

function CommandLine({ command, label }: { command: string; label: string }) {
  return (
    <div className="command">
      <code>{command}</code>
      <CopyButton text={command} label={label} />
    </div>
  );
}

function Metadata({ image }: { image: ImageInspect }) {
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

function Layers({ image }: { image: ImageInspect }) {
  const layers = image.layers ?? [];
  const max = Math.max(1, ...layers.map((l) => l.size));
  // The layers' own sizes: the config is not a layer (the image's size, config + layers, is in Identity).
  const total = layers.reduce((n, l) => n + l.size, 0);
  return (
    <section className="card" aria-labelledby="layers-h">
      <h2 id="layers-h">
        Layers <span className="count-pill">{layers.length}</span>
        <span className="card-right">total {formatBytes(total)}</span>
      </h2>
      <table className="table layers">
        <thead>
          <tr>
            <th>#</th>
            <th>Digest</th>
            <th className="num">Size</th>
            <th className="bar-col">
              <span className="sr-only">Relative size</span>
            </th>
            <th>Media type</th>
            <th>Created by</th>
          </tr>
        </thead>
        <tbody>
          {layers.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: an image may repeat a layer digest; position is its identity
            <tr key={`${l.digest}-${i}`}>
              <td className="muted">{i + 1}</td>
              <td>
                <code title={l.digest}>{shortDigest(l.digest)}</code>
                <CopyButton text={l.digest} label={`Copy digest of layer ${i + 1}`} />
              </td>
              <td className="num">{formatBytes(l.size)}</td>
              <td className="bar-col">
                <span className="bar" style={{ width: `${Math.max(1, (100 * l.size) / max)}%` }} />
              </td>
              <td className="muted">{shortMediaType(l.mediaType)}</td>
              <td className="created-by" title={l.createdBy}>
                {l.createdBy ? (
                  <code>{l.createdBy.replace(/^\/bin\/sh -c (#\(nop\) )?/, '')}</code>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function History({ image }: { image: ImageInspect }) {
  const steps = image.history ?? [];
  if (steps.length === 0) return null;
  return (
    <section className="card" aria-labelledby="history-h">
      <details>
        <summary>
          <h2 id="history-h">
            Build history <span className="count-pill">{plural(steps.length, 'step')}</span>
          </h2>
        </summary>
        <ol className="history">
          {steps.map((h, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: history steps have no identity but their order
            <li key={i} className={h.empty_layer ? 'empty-layer' : ''}>
              <code>{h.created_by?.replace(/^\/bin\/sh -c (#\(nop\) )?/, '') ?? h.comment ?? '—'}</code>
              <span className="muted">
                {h.empty_layer ? 'no layer' : 'layer'}
                {h.created ? ` · ${formatRelative(h.created)}` : ''}
              </span>
            </li>
          ))}
        </ol>
      </details>
    </section>
  );
}

function RunConfig({ image }: { image: ImageInspect }) {
  const list = (v: string[] | null | undefined) =>
    v?.length ? <code>{JSON.stringify(v)}</code> : <span className="muted">—</span>;
  return (
    <section className="card" aria-labelledby="run-h">
      <h2 id="run-h">Run configuration</h2>
      <dl className="kv">
        <KV k="Entrypoint">{list(image.entrypoint)}</KV>
        <KV k="Command">{list(image.cmd)}</KV>
        <KV k="Working dir">
          {image.workingDir ? <code>{image.workingDir}</code> : <span className="muted">—</span>}
        </KV>
        <KV k="User">{image.user ? <code>{image.user}</code> : <span className="muted">—</span>}</KV>
        <KV k="Ports">
          {image.exposedPorts?.length ? (
            image.exposedPorts.map((p) => (
              <span key={p} className="chip">
                {p}
              </span>
            ))
          ) : (
            <span className="muted">—</span>
          )}
        </KV>
        <KV k="Environment">
          {image.env?.length ? (
            <ul className="env">
              {image.env.map((e) => (
                <li key={e}>
                  <code>{e}</code>
                </li>
              ))}
            </ul>
          ) : (
            <span className="muted">—</span>
          )}
        </KV>
      </dl>
    </section>
  );
}

/** Marks every case-insensitive occurrence of `query` in `text`. */
function highlight(text: string, query: string, keyPrefix: string): React.ReactNode[] {
  if (!query) return [text];
  const out: React.ReactNode[] = [];
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  let at = 0;
  let n = 0;
  for (;;) {
    const i = lower.indexOf(q, at);
    if (i < 0) break;
    out.push(text.slice(at, i), <mark key={`${keyPrefix}-${n++}`}>{text.slice(i, i + q.length)}</mark>);
    at = i + q.length;
  }
  out.push(text.slice(at));
  return out;
}

const JSON_TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(?:true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** Pretty JSON with keys, strings, numbers and literals coloured, and search matches marked. */
function jsonNodes(text: string, query: string): React.ReactNode[] {
  const out: React.ReactNode[] = [];
  let at = 0;
  let n = 0;
  for (const m of text.matchAll(JSON_TOKEN)) {
    const i = m.index ?? 0;
    if (i > at) out.push(...highlight(text.slice(at, i), query, `p${n}`));
    const cls = m[1] ? (m[2] ? 'json-key' : 'json-str') : /^[tfn]/.test(m[0]) ? 'json-lit' : 'json-num';
    const body = m[2] ? m[1]! : m[0];
    out.push(
      <span key={`t${n}`} className={cls}>
        {highlight(body, query, `t${n}`)}
      </span>,
    );
    if (m[2]) out.push(m[2]);
    at = i + m[0].length;
    n++;
  }
  out.push(...highlight(text.slice(at), query, 'end'));
  return out;
}

function RawDocuments({ image }: { image: ImageInspect }) {
  const [doc, setDoc] = useState<'manifest' | 'config'>('manifest');
  const [query, setQuery] = useState('');
  const text = useMemo(
    () => prettyJson(doc === 'manifest' ? image.rawManifest : image.rawConfig),
    [doc, image],
  );
  const matches = useMemo(() => {
    if (!query) return 0;
    return text.toLowerCase().split(query.toLowerCase()).length - 1;
  }, [text, query]);
  return (
    <section className="card" aria-labelledby="raw-h">
      <h2 id="raw-h">Raw JSON</h2>
      <div className="toolbar">
        <div className="segmented" role="tablist" aria-label="Document">
          <button
            type="button"
            role="tab"
            aria-selected={doc === 'manifest'}
            onClick={() => setDoc('manifest')}
          >
            Manifest
          </button>
          {image.rawConfig && (
            <button
              type="button"
              role="tab"
              aria-selected={doc === 'config'}
              onClick={() => setDoc('config')}
            >
              Config
            </button>
          )}
        </div>
        <input
          className="filter small"
          type="search"
          placeholder="Search JSON"
          aria-label="Search JSON"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {query && <span className="toolbar-info">{plural(matches, 'match', 'matches')}</span>}
        <span className="spacer" />
        <CopyButton text={text} label={`Copy ${doc} JSON`} />
      </div>
      <pre className="json" title={`${doc} JSON`}>
        {jsonNodes(text, query)}
      </pre>
    </section>
  );
}

/** Attestations and other non-images sit in an index as platform unknown/unknown; they are not platforms. */
const isAttestation = (m: { platform?: { os: string; architecture: string } }) =>
  m.platform?.os === 'unknown' && m.platform.architecture === 'unknown';

/**
 * The image size (config + layers) of each manifest an index names, by digest, read like its platform
 * page reads it; undefined while loading or when it cannot be read. The index's own size is the sum over
 * its platforms (attestations apart), as the tag list shows it.
 */
function usePlatformSizes(connectionId: string, image: ImageInspect | undefined) {
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

function Platforms({
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

export function ImageScreen({
  connectionId,
  repository,
  reference,
  platform,
}: {
  connectionId: string;
  repository: string;
  reference: string;
  platform?: string;
}) {
  const connection = useConnection(connectionId);
  const inspect = useInspect(connectionId, repository, reference, platform);
  const openDialog = useUi((s) => s.openDialog);
  const image = inspect.data;
  const registry = connection?.registry ?? image?.registry ?? '';
  const isDigest = isDigestReference(reference);
  const isIndex = (image?.manifests?.length ?? 0) > 0;
  // On a platform of an index, pull and re-tag act on that platform's manifest, not the whole tag.
  const target = platform ? image?.digest : reference;
  const platformSizes = usePlatformSizes(connectionId, isIndex ? image : undefined);
  // One meaning of "size" everywhere: an image's config + layers; an index's, the sum over its platforms.
  const imageSize = isIndex ? platformSizes.total : image?.totalSize;

  return (
    <div className="screen image-screen">
      <header className="screen-head">
        <div>
          <Breadcrumb
            connectionId={connectionId}
            repository={repository}
            reference={isDigest ? shortDigest(reference) : reference}
            platform={platform ? { name: platform, of: reference } : undefined}
          />
          <h1>
            {repository}
            <span className="ref">{isDigest ? `@${shortDigest(reference)}` : `:${reference}`}</span>
            {image && (
              <span className="count-pill">
                {isIndex ? `index · ${image.manifests?.length} manifests` : shortMediaType(image.mediaType)}
              </span>
            )}
          </h1>
          {image && (
            <p className="sub">
              {image.os && `${image.os}/${image.architecture} · `}
              {isIndex && `${plural(platformSizes.platformCount, 'platform')} · `}
              {imageSize === undefined ? '…' : formatBytes(imageSize)}
              {image.created && (
                <span title={formatDate(image.created)}> · created {formatRelative(image.created)}</span>
              )}
            </p>
          )}
        </div>
        <div className="head-actions">
          <CopyLinkButton route={{ screen: 'image', connectionId, repository, reference, platform }} />
          <button
            type="button"
            className="btn"
            disabled={!target}
            onClick={() =>
              target && openDialog({ kind: 'pull', connectionId, repository, reference: target })
            }
          >
            <Icon name="download" /> Pull…
          </button>
          <button
            type="button"
            className="btn"
            disabled={!target}
            onClick={() =>
              target && openDialog({ kind: 'retag', connectionId, repository, reference: target })
            }
          >
            <Icon name="tag" /> Re-tag…
          </button>
          <button
            type="button"
            className="btn"
            disabled={!image}
            title="Copy to another repository or registry"
            onClick={() =>
              openDialog({ kind: 'copy', connectionId, repository, references: [reference], platform })
            }
          >
            Copy to…
          </button>
          {!isDigest && !platform && (
            <button
              type="button"
              className="btn ghost"
              onClick={() =>
                openDialog({ kind: 'delete', connectionId, repository, tags: [reference], digests: [] })
              }
            >
              Delete tag…
            </button>
          )}
          {image && (
            <button
              type="button"
              className="btn ghost danger-text"
              onClick={() =>
                openDialog({ kind: 'delete', connectionId, repository, tags: [], digests: [image.digest] })
              }
            >
              Delete digest…
            </button>
          )}
        </div>
      </header>

      {inspect.isLoading && (
        <div className="loading-block">
          <Spinner label="Loading image" /> Reading manifest and config…
        </div>
      )}
      {inspect.error && (
        <ErrorBox
          error={inspect.error}
          title={`Cannot read ${repository}:${reference}`}
          onRetry={() => inspect.refetch()}
        />
      )}

      {image && (
        <div className="image-grid">
          <Metadata image={image} />
          <section className="card" aria-labelledby="ids-h">
            <h2 id="ids-h">Identity</h2>
            <dl className="kv">
              <KV k="Manifest digest">
                <DigestLine digest={image.digest} label="Copy manifest digest" />
              </KV>
              {image.config && (
                <KV k="Config digest">
                  <DigestLine digest={image.config.digest} label="Copy config digest" />
                </KV>
              )}
              {image.index && (
                <KV k="Part of index">
                  <DigestLine digest={image.index.digest} label="Copy index digest" />
                </KV>
              )}
              <KV k="Media type">
                <code>{image.mediaType}</code>
              </KV>
              <KV k="Size">
                {isIndex ? (
                  <>
                    {imageSize === undefined ? '…' : formatBytes(imageSize)} over{' '}
                    {plural(platformSizes.platformCount, 'platform')} (config + layers each)
                  </>
                ) : (
                  <>
                    {formatBytes(image.totalSize)} (layers{' '}
                    {formatBytes((image.totalSize ?? 0) - (image.config?.size ?? 0))} + config{' '}
                    {formatBytes(image.config?.size)})
                  </>
                )}
                <span className="muted"> · manifest {formatBytes(image.size)}</span>
              </KV>
              {image.platforms && image.platforms.length > 0 && (
                <KV k="Platforms">
                  {image.platforms.map((p) => (
                    <span key={p} className="chip">
                      {p}
                    </span>
                  ))}
                </KV>
              )}
            </dl>
            <h3>Pull</h3>
            {!isDigest && (
              <CommandLine
                command={pullCommand(registry, repository, reference)}
                label="Copy pull command by tag"
              />
            )}
            <CommandLine
              command={pullCommand(registry, repository, image.digest)}
              label="Copy pull command by digest"
            />
          </section>
          {isIndex && <Platforms image={image} connectionId={connectionId} sizes={platformSizes.sizes} />}
          {image.layers && image.layers.length > 0 && <Layers image={image} />}
          <History image={image} />
          {image.config && <RunConfig image={image} />}
          <RawDocuments image={image} />
        </div>
      )}
    </div>
  );
}
