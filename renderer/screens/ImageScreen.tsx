import { useState } from 'react';
import { isDigestReference } from '../../shared/reference-grammar';
import { type FilesView, useConnection, useInspect } from '../api/queries';
import { Spinner } from '../components/bits';
import { CopyLinkButton } from '../components/CopyLinkButton';
import { ErrorBox } from '../components/ErrorBox';
import { Icon } from '../components/Icon';
import { Breadcrumb } from '../components/ScreenHead';
import { formatBytes, formatDate, formatRelative, plural, shortDigest, shortMediaType } from '../lib/format';
import { pullCommand } from '../lib/reference';
import { useUi } from '../state/ui';

import { CommandLine, DigestLine, KV } from './image/bits';
import { Files } from './image/Files';
import { History, Layers, RunConfig } from './image/Layers';
import { Metadata } from './image/Metadata';
import { Platforms, usePlatformSizes } from './image/Platforms';
import { RawDocuments } from './image/RawDocuments';
import { SupplyChain } from './image/SupplyChain';

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
  const [tab, setTab] = useState<'overview' | 'files'>('overview');
  const [filesView, setFilesView] = useState<FilesView>({ kind: 'final' });
  // An image (not an index) has files; they are read by its manifest digest once inspect has it.
  const hasFiles = !!image && !isIndex && (image.layers?.length ?? 0) > 0;
  const showLayerChanges = (layer: number) => {
    setFilesView({ kind: 'layer', layer });
    setTab('files');
  };

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

      {hasFiles && (
        <div className="tabs" role="tablist" aria-label="Image views">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'overview'}
            onClick={() => setTab('overview')}
          >
            Overview
          </button>
          <button type="button" role="tab" aria-selected={tab === 'files'} onClick={() => setTab('files')}>
            Files
          </button>
        </div>
      )}

      {image && hasFiles && tab === 'files' && (
        <Files
          connectionId={connectionId}
          repository={repository}
          reference={image.digest}
          layerCount={image.layers?.length ?? 0}
          view={filesView}
          onView={setFilesView}
        />
      )}

      {image && (!hasFiles || tab === 'overview') && (
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
          {image.layers && image.layers.length > 0 && (
            <Layers image={image} onShowChanges={hasFiles ? showLayerChanges : undefined} />
          )}
          <History image={image} />
          {image.config && <RunConfig image={image} />}
          <SupplyChain
            connectionId={connectionId}
            repository={repository}
            reference={reference}
            platform={platform}
          />
          <RawDocuments image={image} />
        </div>
      )}
    </div>
  );
}
