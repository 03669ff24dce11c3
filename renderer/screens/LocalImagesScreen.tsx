/**
 * A local engine's images (Docker's or Podman's, `engines.list`): tags, id, platform, size and age,
 * filtered as the user types. Each row has "Push to…" and can be dragged onto a connection in the
 * sidebar; an engine that cannot be used says why (the sockets tried, the permission, the API version).
 */
import { useState } from 'react';
import type { EngineKind, LocalImage } from '../../shared/types';
import { ApiError } from '../api';
import { useEngines } from '../api/queries';
import { EmptyState, Spinner } from '../components/bits';
import { ErrorBox } from '../components/ErrorBox';
import { formatBytes, formatDate, formatRelative, plural, shortDigest } from '../lib/format';
import { startLocalImageDrag } from '../lib/local-image-drag';
import { engineName, engineProblemTitle, filterLocalImages, oneEnginePerKind } from '../lib/local-images';
import { useUi } from '../state/ui';
import { useSlashToFilter } from './TagsScreen';

export function LocalImagesScreen({ engine }: { engine: EngineKind }) {
  const engines = useEngines({ poll: true });
  const summary = oneEnginePerKind(engines.data ?? []).find((e) => e.kind === engine);
  const [filter, setFilter] = useState('');
  const openDialog = useUi((s) => s.openDialog);
  useSlashToFilter('local-filter');
  const name = engineName(engine);
  const images = summary?.images ?? [];
  const shown = filterLocalImages(images, filter);
  const pushTo = (image: LocalImage) => openDialog({ kind: 'engine-push', engine, image });

  return (
    <div className="screen local-screen">
      <header className="screen-head">
        <div>
          <h1>
            Local images · {name}
            {summary && !summary.error && (
              <span className="count-pill">{plural(images.length, 'image')}</span>
            )}
          </h1>
          {summary && (
            <p className="sub">
              {summary.name}
              {summary.apiVersion ? ` · API ${summary.apiVersion}` : ''} ·{' '}
              {/* A DOCKER_HOST that is not an address has no endpoint to show: only where it came from. */}
              {summary.endpoint !== '?' && <span className="mono">{summary.endpoint}</span>} ({summary.source}
              )
            </p>
          )}
        </div>
        <div className="head-actions">
          <button
            type="button"
            className="btn"
            onClick={() => engines.refetch()}
            disabled={engines.isFetching}
          >
            {engines.isFetching ? <Spinner label="Refreshing images" /> : null} Refresh
          </button>
        </div>
      </header>

      {engines.isLoading && (
        <div className="loading-block">
          <Spinner label="Asking the local engines" /> Asking the local engines…
        </div>
      )}
      {engines.error && (
        <ErrorBox
          error={engines.error}
          title="Cannot ask the local engines"
          onRetry={() => engines.refetch()}
        />
      )}
      {engines.data && !summary && !engines.error && (
        <EmptyState title={`${name} was not found`}>
          {engine === 'podman'
            ? 'No Podman socket exists ($XDG_RUNTIME_DIR/podman/podman.sock, /run/podman/podman.sock). Start it with systemctl --user start podman.socket, or podman system service.'
            : 'Lading found no Docker endpoint. Set DOCKER_HOST to the engine socket and start Lading again.'}
        </EmptyState>
      )}
      {summary?.error && (
        <ErrorBox
          error={new ApiError(summary.error)}
          title={engineProblemTitle(summary)}
          onRetry={() => engines.refetch()}
        />
      )}

      {summary && !summary.error && (
        <>
          <div className="toolbar">
            <input
              id="local-filter"
              className="filter"
              type="search"
              placeholder="Filter images"
              aria-label="Filter local images"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
            {filter && (
              <span className="toolbar-info">
                {shown.length.toLocaleString()} of {images.length.toLocaleString()}
              </span>
            )}
            <span className="toolbar-info muted small">
              Drag an image onto a registry in the sidebar to push it there.
            </span>
          </div>
          {images.length === 0 && (
            <EmptyState title={`No images in ${name} yet`}>
              Build or pull one, or use “Pull to {name}” on an image page.
            </EmptyState>
          )}
          {images.length > 0 && shown.length === 0 && (
            <EmptyState title="Nothing matches the filter">Clear the filter to see every image.</EmptyState>
          )}
          {shown.length > 0 && (
            <div className="card local-images">
              <table className="table" aria-label={`${name} images`}>
                <thead>
                  <tr>
                    <th scope="col">Tags</th>
                    <th scope="col">Image ID</th>
                    <th scope="col">Platform</th>
                    <th scope="col" className="num">
                      Size
                    </th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((image) => {
                    const label = image.tags[0] ?? shortDigest(image.id);
                    return (
                      <tr
                        key={image.id}
                        draggable
                        aria-label={label}
                        className="local-row"
                        title="Drag onto a registry in the sidebar to push"
                        onDragStart={(e) => startLocalImageDrag(e.dataTransfer, { engine, image })}
                      >
                        <td className="wrap">
                          {image.tags.length === 0 ? (
                            <span className="muted">untagged</span>
                          ) : (
                            image.tags.map((t) => (
                              <span key={t} className="chip mono">
                                {t}
                              </span>
                            ))
                          )}
                        </td>
                        <td>
                          <code title={image.id}>{shortDigest(image.id)}</code>
                        </td>
                        <td>{image.platform ?? <span className="muted">unknown</span>}</td>
                        <td className="num nowrap">{formatBytes(image.size)}</td>
                        <td className="nowrap" title={formatDate(image.created)}>
                          {formatRelative(image.created)}
                        </td>
                        <td className="actions">
                          <button
                            type="button"
                            className="btn small"
                            aria-label={`Push ${label} to…`}
                            onClick={() => pushTo(image)}
                          >
                            Push to…
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </div>
  );
}
