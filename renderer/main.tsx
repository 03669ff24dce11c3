import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiError } from './api';
import { obtainBridgeToken } from './api/bridge-transport';
import { followLocation } from './state/route';
import { followHistoryKeys } from './state/router';
import { useUi } from './state/ui';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      refetchOnWindowFocus: true,
      // Registry errors (auth, not found) do not heal by retrying; transient ones are retried in the main process.
      retry: (count, error) => !(error instanceof ApiError) && count < 1,
      staleTime: 10_000,
    },
  },
});

async function start(): Promise<void> {
  // In a browser, the secret leaves the URL before the router reads it (Electron has no secret: window.lading).
  if (!window.lading) await obtainBridgeToken();
  followLocation((notice) => useUi.getState().toast(notice, 'error'));
  // Electron's window has no Back button; a browser tab has its own.
  if (window.lading) followHistoryKeys();
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}

void start();
