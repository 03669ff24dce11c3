// @vitest-environment jsdom
/**
 * The connection form's secret rules, as the person filling it sees them: where saved secrets are weakly
 * stored it says so; an edit that sends the saved secret to a new address asks for it again before Save;
 * the cross-host token realm setting is there, off by default, and reaches connections.save.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/api';
import { ConnectionScreen } from '../../renderer/screens/ConnectionScreen';
import type { LadingApi, Result } from '../../shared/contract';
import type { Connection } from '../../shared/types';

afterEach(() => {
  cleanup();
  setApi(null);
});

const saved: Connection = {
  id: 'c1',
  name: 'Work',
  kind: 'generic',
  registry: 'registry.example.com',
  insecure: false,
  username: 'me',
  hasSecret: true,
  credentialSource: 'saved',
  createdAt: '2026-01-01T00:00:00Z',
};

function fakeApi(secretStorage: string) {
  const calls: Array<{ name: string; request: unknown }> = [];
  const answers: Record<string, unknown> = {
    'app.info': { version: '0', mode: 'bridge', platform: 'linux', secretStorage },
    'connections.list': [saved],
    'connections.discover': [],
    'connections.verify': { ok: true, summary: 'ok', checks: [], missingScopes: [] },
    'connections.save': saved,
  };
  const api = {
    async call(name: string, request: unknown) {
      calls.push({ name, request });
      return { ok: true, value: answers[name] } as Result<never>;
    },
    on: () => () => {},
  } as unknown as LadingApi;
  return { api, calls };
}

function show(editId?: string) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ConnectionScreen editId={editId} />
    </QueryClientProvider>,
  );
}

describe('connection form and saved secrets', () => {
  it('says so where secrets are kept in the weaker file store, and not with a keychain', async () => {
    setApi(fakeApi('encrypted-file').api);
    const { unmount } = show();
    expect(await screen.findByRole('note')).toHaveProperty(
      'textContent',
      expect.stringMatching(/anyone who can read your files/),
    );
    unmount();
    setApi(fakeApi('safe-storage').api);
    show();
    await screen.findByRole('radiogroup');
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByRole('note')).toBeNull();
  });

  it('asks for the password again when an edit changes the registry', async () => {
    setApi(fakeApi('safe-storage').api);
    show('c1');
    const url = (await screen.findByDisplayValue('registry.example.com')) as HTMLInputElement;
    const secret = document.querySelector('input[type=password]') as HTMLInputElement;
    expect(secret.placeholder).toBe('(unchanged)');
    fireEvent.change(url, { target: { value: 'registry.elsewhere.example' } });
    await waitFor(() => expect(secret.placeholder).toBe('type it again'));
    expect(screen.getByText(/Changing the registry .* needs it typed again/)).toBeTruthy();
    fireEvent.change(url, { target: { value: 'registry.example.com' } });
    await waitFor(() => expect(secret.placeholder).toBe('(unchanged)'));
  });

  it('offers the cross-host token realm setting, off by default, and saves it', async () => {
    const { api, calls } = fakeApi('safe-storage');
    setApi(api);
    show('c1');
    const box = (await screen.findByLabelText(/token service on another site/)) as HTMLInputElement;
    expect(box.checked).toBe(false);
    fireEvent.click(box);
    // Widening where the secret may go needs it again, too.
    expect(await screen.findByText(/cross-site token services needs it typed again/)).toBeTruthy();
    fireEvent.change(document.querySelector('input[type=password]') as HTMLInputElement, {
      target: { value: 'typed-again' },
    });
    fireEvent.click(screen.getByRole('button', { name: /Save connection/ }));
    await waitFor(() => expect(calls.some((c) => c.name === 'connections.save')).toBe(true));
    const request = calls.find((c) => c.name === 'connections.save')?.request as Record<string, unknown>;
    expect(request).toMatchObject({ id: 'c1', allowCrossHostRealm: true, secret: 'typed-again' });
  });
});
