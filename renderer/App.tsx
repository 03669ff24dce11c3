import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { RECONNECTED_EVENT } from './api/bridge-constants';
import { keys, subscribeJobs, useConnections, useJobs } from './api/queries';
import { DropOverlay } from './components/DropOverlay';
import { Sidebar } from './components/Sidebar';
import { Toasts } from './components/Toasts';
import { DialogHost } from './dialogs/DialogHost';
import { formatRoute } from './lib/routes';
import { ConnectionScreen } from './screens/ConnectionScreen';
import { ImageScreen } from './screens/ImageScreen';
import { LocalImagesScreen } from './screens/LocalImagesScreen';
import { RepositoriesScreen } from './screens/RepositoriesScreen';
import { TagsScreen } from './screens/TagsScreen';
import { TransfersPanel } from './screens/TransfersPanel';
import { navigate, useRoute } from './state/route';
import { useApplyTheme } from './state/theme';
import { useUi } from './state/ui';

export function App() {
  const route = useRoute();
  const toast = useUi((s) => s.toast);
  const transfersOpen = useUi((s) => s.transfersOpen);
  const queryClient = useQueryClient();
  const connections = useConnections();
  useJobs();
  useApplyTheme();

  useEffect(
    () =>
      subscribeJobs(queryClient, (job) => {
        // The open transfers panel already shows the outcome.
        if (useUi.getState().transfersOpen) return;
        if (job.state === 'done') toast(job.resultMessage ?? `Done: ${job.title}`);
        else if (job.state === 'failed') toast(`${job.title}: ${job.error?.message ?? 'failed'}`, 'error');
      }),
    [queryClient, toast],
  );

  // After the event socket reconnects, jobs may have changed unseen.
  useEffect(() => {
    const resync = () => void queryClient.invalidateQueries({ queryKey: keys.jobs });
    window.addEventListener(RECONNECTED_EVENT, resync);
    return () => window.removeEventListener(RECONNECTED_EVENT, resync);
  }, [queryClient]);

  // First screen: the first connection's repositories, or how to add one. A redirect, not a history entry:
  // Back from there leaves the app instead of landing here and being sent forward again.
  const recheckedFor = useRef<string | null>(null);
  useEffect(() => {
    if (!connections.data) return;
    const saved = (id: string) => connections.data.some((c) => c.id === id);
    const unknown =
      ('connectionId' in route && !saved(route.connectionId)) ||
      (route.screen === 'add-connection' && route.editId !== undefined && !saved(route.editId));
    if (route.screen !== 'welcome' && !unknown) return;
    // The list may predate a connection saved since (in another tab, by the CLI): judge on a fresh one.
    const key = formatRoute(route);
    if (unknown && (connections.isFetching || recheckedFor.current !== key)) {
      if (!connections.isFetching) {
        recheckedFor.current = key;
        void connections.refetch();
      }
      return;
    }
    // A bookmark of a connection removed since (or saved in another profile) opens the first one instead.
    if (unknown)
      toast('That address names a connection that is not saved here: showing the first one.', 'error');
    const first = connections.data[0];
    navigate(first ? { screen: 'repositories', connectionId: first.id } : { screen: 'add-connection' }, {
      replace: true,
    });
  }, [route, connections, toast]);

  return (
    <div className={`app${transfersOpen ? ' with-transfers' : ''}`}>
      <Sidebar />
      <main className="main" id="main">
        {route.screen === 'welcome' && <div className="main-loading" aria-busy="true" />}
        {route.screen === 'add-connection' && (
          <ConnectionScreen key={route.editId ?? 'new'} editId={route.editId} />
        )}
        {route.screen === 'local' && <LocalImagesScreen key={route.engine} engine={route.engine} />}
        {route.screen === 'repositories' && <RepositoriesScreen connectionId={route.connectionId} />}
        {route.screen === 'tags' && (
          <TagsScreen connectionId={route.connectionId} repository={route.repository} />
        )}
        {route.screen === 'image' && (
          <ImageScreen
            connectionId={route.connectionId}
            repository={route.repository}
            reference={route.reference}
            platform={route.platform}
          />
        )}
      </main>
      {transfersOpen && <TransfersPanel />}
      <DropOverlay />
      <DialogHost />
      <Toasts />
    </div>
  );
}
