import type { ImageInspect } from '../../../shared/types';
import { CopyButton } from '../../components/CopyButton';
import { formatBytes, formatRelative, plural, shortDigest, shortMediaType } from '../../lib/format';
import { KV } from './bits';

/** `onShowChanges`: open the Files tab on one layer's changes (1-based). */
export function Layers({
  image,
  onShowChanges,
}: {
  image: ImageInspect;
  onShowChanges?: (layer: number) => void;
}) {
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
            {onShowChanges && (
              <th>
                <span className="sr-only">Files</span>
              </th>
            )}
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
              {onShowChanges && (
                <td className="actions">
                  <button
                    type="button"
                    className="btn small ghost"
                    onClick={() => onShowChanges(i + 1)}
                    aria-label={`Files changed by layer ${i + 1}`}
                  >
                    Changes
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function History({ image }: { image: ImageInspect }) {
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

export function RunConfig({ image }: { image: ImageInspect }) {
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
