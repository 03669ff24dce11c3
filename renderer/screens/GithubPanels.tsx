// biome-ignore-all lint/a11y/useSemanticElements: a segmented control of buttons with role radio
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { Connection, PackageVersion } from '../../shared/types';
import { call } from '../api';
import { keys, useRestoreVersion } from '../api/queries';
import { EmptyState, Spinner, VisibilityBadge } from '../components/bits';
import { CopyButton } from '../components/CopyButton';
import { ErrorBox } from '../components/ErrorBox';
import { ExternalLink } from '../components/ExternalLink';
import { formatDate, formatRelative, shortDigest } from '../lib/format';
import { useUi } from '../state/ui';

/** Visibility, anonymous pull, and the settings link (visibility can only be changed there). */
export function GithubPackagePanel({
  connection,
  packageName,
}: {
  connection: Connection;
  /** The registry path (OWNER/PACKAGE), passed to the services as is: the owner is never stripped. */
  packageName: string;
}) {
  const pkg = useQuery({
    queryKey: keys.githubPackage(connection.id, packageName),
    queryFn: () => call('github.package', { connectionId: connection.id, packageName }),
    staleTime: 60_000,
  });
  if (pkg.isLoading)
    return (
      <div className="gh-panel">
        <Spinner label="Loading package" />
      </div>
    );
  if (pkg.error) return <ErrorBox error={pkg.error} title="GitHub package details unavailable" />;
  const p = pkg.data!;
  return (
    <div className="gh-panel" role="group" aria-label="GitHub package">
      <VisibilityBadge visibility={p.visibility} />
      <span className={`anon ${p.anonymousPull === true ? 'yes' : p.anonymousPull === false ? 'no' : ''}`}>
        {p.anonymousPull === true
          ? 'Anonymous pull works'
          : p.anonymousPull === false
            ? 'Anonymous pull refused'
            : 'Anonymous pull not checked'}
      </span>
      {p.linkedRepository && <span className="muted">linked to {p.linkedRepository}</span>}
      <span className="muted">
        {p.versionCount} {p.versionCount === 1 ? 'version' : 'versions'} · updated{' '}
        {formatRelative(p.updatedAt)}
      </span>
      <ExternalLink href={p.htmlUrl} className="link">
        Package page
      </ExternalLink>
      <ExternalLink href={p.settingsUrl} className="link">
        Package settings (visibility)
      </ExternalLink>
    </div>
  );
}

const ROLE_LABEL: Record<PackageVersion['role'], string> = {
  image: 'image',
  index: 'index',
  'platform-child': 'platform of an index',
  attestation: 'attestation',
  unknown: '—',
};

export function GithubVersions({ connection, packageName }: { connection: Connection; packageName: string }) {
  const [state, setState] = useState<'active' | 'deleted'>('active');
  const openDialog = useUi((s) => s.openDialog);
  const toast = useUi((s) => s.toast);
  const versions = useQuery({
    queryKey: keys.githubVersions(connection.id, packageName, state),
    queryFn: () => call('github.versions', { connectionId: connection.id, packageName, state }),
  });
  const restore = useRestoreVersion(connection.id, packageName, () => toast('Version restored'));

  const [filter, setFilter] = useState('');
  // Words match the version id, digest, tags, role and platform.
  const shown = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    if (!versions.data || words.length === 0) return versions.data;
    return versions.data.filter((v) => {
      const text = [String(v.id), v.digest, ...v.tags, v.role, v.platform ?? ''].join(' ').toLowerCase();
      return words.every((w) => text.includes(w));
    });
  }, [versions.data, filter]);

  return (
    <div className="versions">
      <div className="toolbar">
        <div className="segmented" role="radiogroup" aria-label="Versions to show">
          <button
            type="button"
            role="radio"
            aria-checked={state === 'active'}
            onClick={() => setState('active')}
          >
            Active
          </button>
          <button
            type="button"
            role="radio"
            aria-checked={state === 'deleted'}
            onClick={() => setState('deleted')}
          >
            Deleted (restorable for 30 days)
          </button>
        </div>
        <input
          id="versions-filter"
          className="filter small"
          type="search"
          placeholder="Filter versions  ( / )"
          aria-label="Filter versions"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setFilter('');
          }}
        />
        {versions.isFetching && <Spinner label="Loading versions" />}
      </div>
      {versions.error && (
        <ErrorBox error={versions.error} title="Cannot list versions" onRetry={() => versions.refetch()} />
      )}
      {restore.error && <ErrorBox error={restore.error} title="Cannot restore the version" />}
      {versions.data && versions.data.length === 0 && (
        <EmptyState title={state === 'deleted' ? 'No deleted versions' : 'No versions'}>
          {state === 'deleted'
            ? 'Versions deleted in the last 30 days would be listed here, ready to restore.'
            : null}
        </EmptyState>
      )}
      {shown && versions.data && versions.data.length > 0 && shown.length === 0 && (
        <div className="no-match">No version matches “{filter}”.</div>
      )}
      {shown && shown.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Digest</th>
              <th>Tags</th>
              <th>Role</th>
              <th>{state === 'deleted' ? 'Deleted' : 'Created'}</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((v) => (
              <tr key={v.id}>
                <td className="mono">{v.id}</td>
                <td>
                  <code title={v.digest}>{shortDigest(v.digest)}</code>
                  <CopyButton text={v.digest} label={`Copy digest of version ${v.id}`} />
                </td>
                <td>
                  {v.tags.length ? (
                    v.tags.map((t) => (
                      <span key={t} className="chip">
                        {t}
                      </span>
                    ))
                  ) : (
                    <span className="muted">untagged</span>
                  )}
                </td>
                <td>
                  {ROLE_LABEL[v.role]}
                  {v.platform ? ` · ${v.platform}` : ''}
                  {v.parents.length > 0 && (
                    <span className="muted" title={v.parents.join('\n')}>
                      {' '}
                      (of {v.parents.map(shortDigest).join(', ')})
                    </span>
                  )}
                </td>
                <td title={formatDate(v.deletedAt ?? v.createdAt)}>
                  {formatRelative(v.deletedAt ?? v.createdAt)}
                </td>
                <td className="actions">
                  {state === 'deleted' ? (
                    <button
                      type="button"
                      className="btn small"
                      disabled={restore.isPending}
                      onClick={() => restore.mutate(v.id)}
                      aria-label={`Restore version ${v.id}`}
                    >
                      Restore
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="btn small ghost"
                      aria-label={`Delete version ${v.id}`}
                      onClick={() =>
                        openDialog({
                          kind: 'delete',
                          connectionId: connection.id,
                          repository: packageName,
                          tags: [],
                          digests: [v.digest],
                        })
                      }
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
