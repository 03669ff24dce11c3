import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { ArchiveSource, ArchiveSummary, Connection } from '../../shared/types';
import { call, getApi, unwrap } from '../api';
import { withFileName } from '../api/errors';
import { keys, useConnections } from '../api/queries';
import { Field, Spinner } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { TagCheckNotice, useTagChecks } from '../components/TagCheck';
import { formatBytes, plural } from '../lib/format';
import { askNotificationPermission } from '../lib/notify';
import { validateRepository, validateTag } from '../lib/reference';
import { defaultTarget, type TagCheck, targetVerdict } from '../lib/target';
import { useRoute } from '../state/route';
import { useUi } from '../state/ui';

/** One file to push: where it is, and (once read) what is inside. */
interface Item {
  key: string;
  name: string;
  size?: number;
  file?: File;
  path?: string;
}

interface Target {
  include: boolean;
  repository: string;
  tag: string;
  platform: string;
  /** The user ticked "Replace" for a tag that exists. */
  replace: boolean;
}

/**
 * An archive image's first target: pre-filled (see `defaultTarget`) and, in an archive of several images,
 * not chosen: the user picks which to push, so nothing goes anywhere they did not look at.
 */
function initialTarget(
  img: ArchiveSummary['images'][number],
  imageCount: number,
  fileName: string,
  connection: Connection | undefined,
  currentRepository: string | null,
): Target {
  return {
    include: imageCount === 1,
    ...defaultTarget(img.repoTags, connection, currentRepository, fileName),
    platform: '',
    replace: false,
  };
}

function targetValid(t: Target, connection: Connection | undefined): boolean {
  return (
    validateRepository(t.repository, connection?.kind, connection?.owner).errors.length === 0 &&
    validateTag(t.tag).errors.length === 0
  );
}

function useArchive(item: Item) {
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const query = useQuery({
    queryKey: keys.archive(item.key),
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
    queryFn: async (): Promise<{ source: ArchiveSource; summary: ArchiveSummary }> => {
      const source: ArchiveSource = item.path
        ? { path: item.path }
        : unwrap(await getApi().resolveFile(item.file!, (sent, total) => setProgress({ sent, total })));
      try {
        const summary = await call('archive.inspect', { source });
        return { source, summary };
      } catch (error) {
        // Core errors name the file they read: for a browser upload, a temp path the user never saw.
        throw withFileName(error, item.name);
      }
    },
  });
  return { ...query, progress };
}

function ArchiveBlock({
  item,
  connection,
  currentRepository,
  targets,
  setTarget,
  checks,
}: {
  item: Item;
  connection: Connection | undefined;
  currentRepository: string | null;
  targets: Record<string, Target>;
  setTarget: (key: string, t: Target) => void;
  checks: Record<string, TagCheck>;
}) {
  const archive = useArchive(item);
  const summary = archive.data?.summary;

  // Once the archive is read, its images get their pre-filled targets (the user edits from there).
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when a new summary arrives
  useEffect(() => {
    summary?.images.forEach((img, i) => {
      const key = `${item.key}#${i}`;
      if (!targets[key]) {
        setTarget(key, initialTarget(img, summary.images.length, item.name, connection, currentRepository));
      }
    });
  }, [summary]);

  return (
    <section className="archive" aria-label={`Archive ${item.name}`}>
      <div className="archive-head">
        <strong>{item.name}</strong>
        {item.size !== undefined && <span className="muted">{formatBytes(item.size)}</span>}
        {summary && (
          <span className="muted">
            {summary.format}
            {summary.compression !== 'none' ? ` · ${summary.compression}` : ''}
          </span>
        )}
      </div>
      {archive.isLoading && (
        <div className="loading-block small">
          <Spinner label="Reading archive" />{' '}
          {archive.progress && archive.progress.sent < archive.progress.total
            ? `Uploading to Lading… ${Math.round((100 * archive.progress.sent) / archive.progress.total)}%`
            : 'Reading the archive…'}
        </div>
      )}
      {archive.error && <ErrorBox error={archive.error} title={`Cannot read ${item.name}`} />}
      {summary?.images.length === 0 && <div className="warn">No images found in this archive.</div>}
      {summary?.images.map((img, i) => {
        const key = `${item.key}#${i}`;
        const t =
          targets[key] ?? initialTarget(img, summary.images.length, item.name, connection, currentRepository);
        const check = checks[key] ?? { state: 'idle' };
        const repoCheck = validateRepository(t.repository, connection?.kind, connection?.owner);
        const tagCheck = validateTag(t.tag);
        // A changed target is a new question: a "Replace" ticked for another tag does not carry over.
        const update = (patch: Partial<Target>) =>
          setTarget(key, {
            ...t,
            ...patch,
            ...(patch.repository !== undefined || patch.tag !== undefined ? { replace: false } : {}),
          });
        return (
          <div key={key} className="archive-image">
            <div className="archive-image-head">
              {summary.images.length > 1 && (
                <label className="check">
                  <input
                    type="checkbox"
                    checked={t.include}
                    onChange={(e) => update({ include: e.target.checked })}
                  />
                  Push this image
                </label>
              )}
              <span className="mono">{img.repoTags.join(', ') || img.name || `image ${i + 1}`}</span>
              <span className="muted">
                {img.platforms.join(', ') || 'platform unknown'} · {plural(img.layers, 'layer')} ·{' '}
                {formatBytes(img.size)}
                {img.isIndex ? ' · multi-platform' : ''}
              </span>
            </div>
            {t.include && (
              <div className="row target-row">
                <Field label="Repository" error={repoCheck.errors[0]} hint={repoCheck.warnings[0]}>
                  <input
                    value={t.repository}
                    onChange={(e) => update({ repository: e.target.value })}
                    aria-invalid={repoCheck.errors.length > 0}
                    spellCheck={false}
                    aria-label={`Target repository for ${item.name}${summary.images.length > 1 ? ` image ${i + 1}` : ''}`}
                  />
                </Field>
                <Field label="Tag" error={tagCheck.errors[0]}>
                  <input
                    value={t.tag}
                    onChange={(e) => update({ tag: e.target.value })}
                    aria-invalid={tagCheck.errors.length > 0}
                    spellCheck={false}
                    aria-label={`Target tag for ${item.name}${summary.images.length > 1 ? ` image ${i + 1}` : ''}`}
                  />
                </Field>
                {img.isIndex && img.platforms.length > 1 && (
                  <Field label="Platforms">
                    <select value={t.platform} onChange={(e) => update({ platform: e.target.value })}>
                      <option value="">All ({img.platforms.length})</option>
                      {img.platforms.map((p) => (
                        <option key={p} value={p}>
                          {p} only
                        </option>
                      ))}
                    </select>
                  </Field>
                )}
              </div>
            )}
            {t.include && connection && (
              <div className="target-preview mono">
                → {connection.registry}/{t.repository || '…'}:{t.tag || '…'}
              </div>
            )}
            {t.include && (
              <TagCheckNotice
                check={check}
                repository={t.repository}
                tag={t.tag}
                replace={t.replace}
                onReplace={(replace) => setTarget(key, { ...t, replace })}
              />
            )}
          </div>
        );
      })}
    </section>
  );
}

export function PushDialog({
  files,
  paths,
  onClose,
}: {
  files: File[];
  paths: string[];
  onClose: () => void;
}) {
  const route = useRoute();
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);
  const queryClient = useQueryClient();
  const { data: connections } = useConnections();
  const [connectionId, setConnectionId] = useState(
    'connectionId' in route ? route.connectionId : (connections?.[0]?.id ?? ''),
  );
  const connection = connections?.find((c) => c.id === connectionId);
  const currentRepository =
    (route.screen === 'tags' || route.screen === 'image') && route.connectionId === connectionId
      ? route.repository
      : null;
  const items = useMemo<Item[]>(
    () => [
      ...files.map((f, i) => ({
        key: `f${i}:${f.name}:${f.size}:${f.lastModified}`,
        name: f.name,
        size: f.size,
        file: f,
      })),
      ...paths.map((p) => ({ key: `p:${p}`, name: p.split(/[\\/]/).pop() ?? p, path: p })),
    ],
    [files, paths],
  );
  const [targets, setTargets] = useState<Record<string, Target>>({});
  const setTarget = (key: string, t: Target) => setTargets((all) => ({ ...all, [key]: t }));

  const chosen = Object.entries(targets).filter(([, t]) => t.include);
  const checks = useTagChecks(
    connection?.id,
    chosen.map(([key, t]) => ({
      key,
      repository: t.repository,
      tag: t.tag,
      enabled: targetValid(t, connection),
    })),
  );
  const invalid = chosen.some(
    ([key, t]) =>
      !targetValid(t, connection) || targetVerdict(checks[key] ?? { state: 'checking' }, t.replace).blocked,
  );
  const replacing = chosen.filter(([key]) => checks[key]?.state === 'exists').length;
  const imageCount = Object.keys(targets).length;

  const push = useMutation({
    mutationFn: async () => {
      const jobs: string[] = [];
      for (const [key, t] of chosen) {
        const [itemKey, index] = key.split('#') as [string, string];
        const item = items.find((i) => i.key === itemKey)!;
        // The archive query holds the resolved source; reading it from the cache avoids a second upload.
        const cached = queryClient.getQueryData<{
          source: ArchiveSource;
          summary: ArchiveSummary;
        }>(keys.archive(item.key));
        if (!cached) throw new Error(`${item.name} is still being read.`);
        const image = cached.summary.images[Number(index)];
        const { jobId } = await call('jobs.push', {
          connectionId,
          source: cached.source,
          image: cached.summary.images.length > 1 ? (image?.name ?? image?.repoTags[0]) : undefined,
          platform: t.platform || undefined,
          target: { repository: t.repository, tag: t.tag },
        });
        jobs.push(jobId);
      }
      return jobs;
    },
    onSuccess: () => {
      setTransfersOpen(true);
      onClose();
    },
  });

  return (
    <Dialog
      title={`Push ${items.length === 1 ? items[0]!.name : `${items.length} archives`}`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn primary"
            disabled={!connection || chosen.length === 0 || invalid || push.isPending}
            onClick={() => {
              askNotificationPermission();
              push.mutate();
            }}
          >
            {push.isPending ? <Spinner label="Starting" /> : null}{' '}
            {replacing > 0
              ? chosen.length === 1
                ? 'Push and replace'
                : `Push ${chosen.length}, replacing ${replacing}`
              : 'Push'}
          </button>
        </>
      }
    >
      {connections && connections.length > 1 && (
        <Field label="To registry">
          <select
            value={connectionId}
            onChange={(e) => {
              setConnectionId(e.target.value);
              // "Replace" was ticked for a tag on the other registry: ask again here.
              setTargets((all) =>
                Object.fromEntries(Object.entries(all).map(([k, t]) => [k, { ...t, replace: false }])),
              );
            }}
          >
            {connections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.registry})
              </option>
            ))}
          </select>
        </Field>
      )}
      {!connection && <div className="warn">Add a registry connection first.</div>}
      {items.map((item) => (
        <ArchiveBlock
          key={item.key}
          item={item}
          connection={connection}
          currentRepository={currentRepository}
          targets={targets}
          setTarget={setTarget}
          checks={checks}
        />
      ))}
      {imageCount > 1 && chosen.length === 0 && (
        <p className="muted small">Choose the images to push: tick “Push this image” and check its target.</p>
      )}
      {push.error && <ErrorBox error={push.error} title="Cannot start the push" />}
    </Dialog>
  );
}
