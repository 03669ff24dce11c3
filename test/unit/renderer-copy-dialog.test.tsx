// @vitest-environment jsdom
/**
 * The copy and sync dialogs against an in-process fake of `window.lading` (component tests; e2e/copy.spec.ts
 * drives the real registries): the target is another connection by default, an index copies whole or one
 * platform, several tags keep their own and each existing one needs its own "Replace", and the requests
 * carry exactly what the user chose.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/api';
import { keys } from '../../renderer/api/queries';
import {
  CopyDialog,
  copyablePlatforms,
  copyRepositoryFor,
  defaultCopyConnection,
} from '../../renderer/dialogs/CopyDialog';
import { patternError, SyncDialog } from '../../renderer/dialogs/SyncDialog';
import { useUi } from '../../renderer/state/ui';
import type { CallName, LadingApi, Result } from '../../shared/contract';
import type { Connection, ImageInspect, TagDetail } from '../../shared/types';

const base = {
  kind: 'generic' as const,
  insecure: true,
  hasSecret: false,
  credentialSource: 'none' as const,
  createdAt: '2025-01-01T00:00:00Z',
};
const source: Connection = { ...base, id: 'src', name: 'Staging', registry: 'staging:5000' };
const target: Connection = { ...base, id: 'dst', name: 'Production', registry: 'prod:5000' };

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const manifest = 'application/vnd.oci.image.manifest.v1+json';
const index: ImageInspect = {
  registry: 'staging:5000',
  repository: 'team/app',
  reference: '1.0',
  digest: digest('1'),
  mediaType: 'application/vnd.oci.image.index.v1+json',
  size: 500,
  rawManifest: '{}',
  warnings: [],
  manifests: [
    { mediaType: manifest, digest: digest('a'), size: 400, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: manifest, digest: digest('b'), size: 400, platform: { os: 'linux', architecture: 'arm64' } },
    {
      mediaType: manifest,
      digest: digest('c'),
      size: 400,
      platform: { os: 'unknown', architecture: 'unknown' },
    },
  ],
};

/** At the target, prod:5000/team/app:b exists on another image. */
const existingB: TagDetail = {
  tag: 'b',
  digest: digest('e'),
  mediaType: manifest,
  isIndex: false,
  platforms: ['linux/amd64'],
  size: 2048,
};

function fakeApi(calls: { name: CallName; request: unknown }[]): LadingApi {
  return {
    async call(name, request) {
      calls.push({ name, request });
      const r = request as Record<string, unknown>;
      if (name === 'connections.list') return { ok: true, value: [source, target] } as Result<never>;
      if (name === 'registry.inspect') return { ok: true, value: index } as Result<never>;
      if (name === 'registry.tagDetails') {
        const found = r.connectionId === 'dst' && (r.tags as string[]).includes('b');
        return { ok: true, value: found ? [existingB] : [] } as Result<never>;
      }
      if (name === 'registry.syncPlan') {
        const all = ['v1', 'v2', 'dev'].filter((t) => !r.tags || new RegExp(r.tags as string).test(t));
        return {
          ok: true,
          value: {
            copied: all.filter((t) => t !== 'v1'),
            skipped: all.filter((t) => t === 'v1'),
            failed: [],
          },
        } as Result<never>;
      }
      return { ok: true, value: { jobId: `job-${calls.length}` } } as Result<never>;
    },
    on: () => () => {},
    resolveFile: async () => ({ ok: false, error: { code: 'unsupported', message: 'no files here' } }),
  } as LadingApi;
}

function renderWith(node: React.ReactNode, client = new QueryClient()) {
  return render(<QueryClientProvider client={client}>{node}</QueryClientProvider>);
}

describe('copy helpers', () => {
  it('lists an index’s platforms once each, attestations apart; picks another connection by default', () => {
    expect(copyablePlatforms(index)).toEqual([
      { name: 'linux/amd64', digest: digest('a') },
      { name: 'linux/arm64', digest: digest('b') },
    ]);
    const twice = { ...index, manifests: [...index.manifests!, index.manifests![0]!] };
    expect(copyablePlatforms(twice).map((p) => p.name)).toEqual(['linux/arm64']);
    expect(copyablePlatforms(undefined)).toEqual([]);
    expect(defaultCopyConnection([source, target], 'src')).toBe('dst');
    expect(defaultCopyConnection([source], 'src')).toBe('src');
    expect(defaultCopyConnection([], 'src')).toBe('');
    expect(copyRepositoryFor(target, 'team/app')).toBe('team/app');
    expect(copyRepositoryFor({ owner: 'Acme' }, 'team/app')).toBe('acme/app');
    expect(copyRepositoryFor({ owner: 'acme' }, 'acme/tools/app')).toBe('acme/tools/app');
    expect(patternError('')).toBeUndefined();
    expect(patternError('^v\\d+')).toBeUndefined();
    expect(patternError('^v(')).toMatch(/^Not a valid regular expression/);
  });
});

describe('CopyDialog', () => {
  let calls: { name: CallName; request: unknown }[];
  beforeEach(() => {
    calls = [];
    setApi(fakeApi(calls));
    useUi.setState({ transfersOpen: false });
  });
  afterEach(() => {
    cleanup();
    setApi(null);
  });

  it('copies one platform of an index to another connection, tag pre-filled', async () => {
    let closed = false;
    renderWith(
      <CopyDialog
        connectionId="src"
        repository="team/app"
        references={['1.0']}
        onClose={() => (closed = true)}
      />,
    );
    const to = (await screen.findByLabelText('To registry')) as HTMLSelectElement;
    await waitFor(() => expect(to.value).toBe('dst'));
    expect((screen.getByLabelText('Target repository') as HTMLInputElement).value).toBe('team/app');
    expect((screen.getByLabelText(/Target tag/) as HTMLInputElement).value).toBe('1.0');
    const platforms = (await screen.findByLabelText('Platforms')) as HTMLSelectElement;
    expect([...platforms.options].map((o) => o.textContent)).toEqual([
      'All (2): the whole index',
      'linux/amd64 only',
      'linux/arm64 only',
    ]);
    fireEvent.change(platforms, { target: { value: 'linux/arm64' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /Also copy signatures/ }));
    await screen.findByText('1.0 is a new tag here.');
    const copy = screen.getByRole('button', { name: 'Copy' }) as HTMLButtonElement;
    await waitFor(() => expect(copy.disabled).toBe(false));
    fireEvent.click(copy);
    await waitFor(() => expect(closed).toBe(true));
    expect(calls.filter((c) => c.name === 'jobs.copy').map((c) => c.request)).toEqual([
      {
        source: { connectionId: 'src', repository: 'team/app', reference: '1.0' },
        target: { connectionId: 'dst', repository: 'team/app', tag: '1.0' },
        platform: 'linux/arm64',
        referrers: true,
      },
    ]);
    expect(useUi.getState().transfersOpen).toBe(true);
  });

  it('copies several tags under their own names; each existing one needs its own "Replace"', async () => {
    const client = new QueryClient();
    client.setQueryData(
      keys.tagDetails('src', 'team/app'),
      new Map([
        ['a', { ...existingB, tag: 'a', digest: digest('f') }],
        ['b', { ...existingB, digest: digest('f') }],
      ]),
    );
    renderWith(
      <CopyDialog connectionId="src" repository="team/app" references={['a', 'b']} onClose={() => {}} />,
      client,
    );
    await screen.findByText('a is a new tag here.');
    const notice = await screen.findByRole('group', { name: 'b already exists' });
    expect(notice.textContent).toContain('eeeeeeeeeeee');
    expect(screen.queryByLabelText(/Target tag/)).toBeNull();
    const copy = screen.getByRole('button', { name: 'Copy 2, replacing 1' }) as HTMLButtonElement;
    expect(copy.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: /Replace b/ }));
    expect(copy.disabled).toBe(false);
    // Another repository is another question: the tick is dropped.
    const repo = screen.getByLabelText('Target repository');
    fireEvent.change(repo, { target: { value: 'team/other' } });
    fireEvent.change(repo, { target: { value: 'team/app' } });
    expect(((await screen.findByRole('checkbox', { name: /Replace b/ })) as HTMLInputElement).checked).toBe(
      false,
    );
    fireEvent.click(screen.getByRole('checkbox', { name: /Replace b/ }));
    fireEvent.click(copy);
    await waitFor(() => expect(calls.filter((c) => c.name === 'jobs.copy')).toHaveLength(2));
    expect(calls.filter((c) => c.name === 'jobs.copy').map((c) => c.request)).toEqual(
      ['a', 'b'].map((t) => ({
        source: { connectionId: 'src', repository: 'team/app', reference: t },
        target: { connectionId: 'dst', repository: 'team/app', tag: t },
      })),
    );
  });
});

describe('SyncDialog', () => {
  let calls: { name: CallName; request: unknown }[];
  beforeEach(() => {
    calls = [];
    setApi(fakeApi(calls));
  });
  afterEach(() => {
    cleanup();
    setApi(null);
  });

  it('previews the plan as typed and runs the sync with the same request', async () => {
    let closed = false;
    renderWith(<SyncDialog connectionId="src" repository="team/app" onClose={() => (closed = true)} />);
    const copied = await screen.findByRole('region', { name: 'Would be copied' });
    expect([...copied.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['dev', 'v2']);
    expect(screen.getByRole('region', { name: 'Already the same' }).textContent).toContain('v1');
    fireEvent.change(screen.getByLabelText(/Tag pattern/), { target: { value: '^v(' } });
    expect(screen.getByText(/Not a valid regular expression/)).toBeTruthy();
    expect((screen.getByRole('button', { name: /^Sync/ }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(/Tag pattern/), { target: { value: '^v' } });
    const run = (await screen.findByRole('button', { name: 'Sync 1 tag' })) as HTMLButtonElement;
    expect(run.disabled).toBe(false);
    fireEvent.click(run);
    await waitFor(() => expect(closed).toBe(true));
    const request = {
      source: { connectionId: 'src', repository: 'team/app' },
      target: { connectionId: 'dst', repository: 'team/app' },
      tags: '^v',
    };
    expect(calls.filter((c) => c.name === 'registry.syncPlan').at(-1)?.request).toEqual(request);
    expect(calls.find((c) => c.name === 'jobs.sync')?.request).toEqual(request);
  });
});
