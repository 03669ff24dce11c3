import { useState } from 'react';
import type { Connection, ConnectionKind } from '../../shared/types';
import { useAppInfo, useConnections, useEngines, useJobs } from '../api/queries';
import { isLocalImageDrag, readLocalImageDrag } from '../lib/local-image-drag';
import { engineName, engineStatusLine, oneEnginePerKind } from '../lib/local-images';
import { navigate, useRoute } from '../state/route';
import { type Theme, useUi } from '../state/ui';
import { Spinner } from './bits';
import { ErrorBox } from './ErrorBox';
import { Icon } from './Icon';

const KIND_LABEL: Record<ConnectionKind, string> = {
  generic: 'Registry',
  dockerhub: 'Docker Hub',
  ghcr: 'GitHub',
  'github-docker': 'GitHub (legacy)',
  ghes: 'GitHub Enterprise',
};

function KindMark({ kind }: { kind: ConnectionKind }) {
  const letter = kind === 'dockerhub' ? 'D' : kind === 'generic' ? 'R' : 'G';
  return (
    <span className={`kind-mark kind-${kind}`} aria-hidden="true">
      {letter}
    </span>
  );
}

/**
 * The line under a connection's name: where it points and as whom, without repeating the name (a
 * connection named after its host shows the host once).
 */
export function hostLine(c: Connection): string {
  const where = c.owner ? `${c.registry}/${c.owner}` : c.registry;
  const who = c.credentialSource === 'none' ? 'anonymous' : c.username;
  const parts = [c.name.trim().toLowerCase() === where.toLowerCase() ? KIND_LABEL[c.kind] : where, who];
  return parts.filter(Boolean).join(' · ');
}

const NEXT_THEME: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };

export function Sidebar() {
  const { data: connections, error, isLoading, refetch } = useConnections();
  const route = useRoute();
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  const transfersOpen = useUi((s) => s.transfersOpen);
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);
  const { data: jobs } = useJobs();
  const { data: info } = useAppInfo();
  const active = jobs?.filter((j) => j.state === 'running' || j.state === 'queued').length ?? 0;
  const failed = jobs?.filter((j) => j.state === 'failed').length ?? 0;
  const currentId = 'connectionId' in route ? route.connectionId : undefined;
  const engines = useEngines();
  const openDialog = useUi((s) => s.openDialog);
  // The connection a local image is being dragged over (a drop there opens "Push to…" for it).
  const [dropOn, setDropOn] = useState<string | null>(null);

  return (
    <nav className="sidebar" aria-label="Connections">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ⚓
        </span>
        Lading
      </div>
      <div className="sidebar-section">Registries</div>
      {isLoading && <Spinner label="Loading connections" />}
      {error && <ErrorBox error={error} title="Cannot list connections" onRetry={() => refetch()} />}
      {connections?.length === 0 && <div className="sidebar-empty">No registries yet.</div>}
      <ul className="conn-list">
        {connections?.map((c: Connection) => (
          <li
            key={c.id}
            onDragOver={(e) => {
              if (!isLocalImageDrag(e.dataTransfer)) return;
              e.preventDefault();
              e.dataTransfer.dropEffect = 'copy';
              setDropOn(c.id);
            }}
            onDragLeave={(e) => {
              // Moving onto the entry's own text is not leaving it.
              if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
              setDropOn((id) => (id === c.id ? null : id));
            }}
            onDrop={(e) => {
              const drag = readLocalImageDrag(e.dataTransfer);
              setDropOn(null);
              if (!drag) return;
              e.preventDefault();
              openDialog({ kind: 'engine-push', ...drag, connectionId: c.id });
            }}
          >
            <button
              type="button"
              className={`conn-item${c.id === currentId ? ' active' : ''}${c.id === dropOn ? ' drop-on' : ''}`}
              aria-current={c.id === currentId ? 'page' : undefined}
              onClick={() => navigate({ screen: 'repositories', connectionId: c.id })}
              title={`${KIND_LABEL[c.kind]} · ${c.registry}`}
            >
              <KindMark kind={c.kind} />
              <span className="conn-text">
                <span className="conn-name">{c.name}</span>
                <span className="conn-host">{hostLine(c)}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        className={`btn ghost add-conn${route.screen === 'add-connection' ? ' active' : ''}`}
        onClick={() => navigate({ screen: 'add-connection' })}
      >
        + Add registry
      </button>
      <div className="sidebar-section">Local images</div>
      {engines.isLoading && <Spinner label="Looking for local engines" />}
      <ul className="conn-list" aria-label="Local engines">
        {oneEnginePerKind(engines.data ?? []).map((e) => {
          const active = route.screen === 'local' && route.engine === e.kind;
          return (
            <li key={e.kind}>
              <button
                type="button"
                className={`conn-item${active ? ' active' : ''}`}
                aria-current={active ? 'page' : undefined}
                onClick={() => navigate({ screen: 'local', engine: e.kind })}
                title={`${e.name} · ${e.endpoint}`}
              >
                <span
                  className={`kind-mark engine-${e.kind}${e.error ? ' engine-off' : ''}`}
                  aria-hidden="true"
                >
                  {e.kind === 'podman' ? 'P' : 'D'}
                </span>
                <span className="conn-text">
                  <span className="conn-name">{engineName(e.kind)}</span>
                  <span className="conn-host">{engineStatusLine(e)}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      <div className="sidebar-foot">
        <button
          type="button"
          className={`btn ghost transfers-toggle${transfersOpen ? ' active' : ''}`}
          aria-pressed={transfersOpen}
          onClick={() => setTransfersOpen(!transfersOpen)}
        >
          <Icon name="transfers" />
          Transfers
          {active > 0 && <span className="count running">{active}</span>}
          {failed > 0 && active === 0 && <span className="count failed">{failed}</span>}
        </button>
        <button
          type="button"
          className="btn ghost theme-toggle"
          aria-label={`Theme: ${theme}. Switch to ${NEXT_THEME[theme]}`}
          title={`Theme: ${theme}`}
          onClick={() => setTheme(NEXT_THEME[theme])}
        >
          <Icon name={theme === 'dark' ? 'moon' : theme === 'light' ? 'sun' : 'auto'} />
          {theme === 'system' ? 'System theme' : theme === 'dark' ? 'Dark theme' : 'Light theme'}
        </button>
        {info && (
          <div className="app-version">
            Lading {info.version} · {info.mode === 'bridge' ? 'in your browser' : 'desktop'}
          </div>
        )}
      </div>
    </nav>
  );
}
