// @vitest-environment jsdom
/**
 * Local images in the app (issue #15) against an in-process fake of `window.lading` (e2e/engines.spec.ts
 * drives a real dockerd): the list and its filter, what the screen says when the engine is not running or
 * the socket is refused, "Push to…" with the archive push's naming rules, and "Pull to Docker" beside
 * "Pull to file" with an optional name.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/api';
import { EnginePushDialog } from '../../renderer/dialogs/EnginePushDialog';
import { localNameError, PullDialog } from '../../renderer/dialogs/PullDialog';
import {
  isLocalImageDrag,
  readLocalImageDrag,
  startLocalImageDrag,
} from '../../renderer/lib/local-image-drag';
import {
  engineProblemTitle,
  engineStatusLine,
  filterLocalImages,
  oneEnginePerKind,
} from '../../renderer/lib/local-images';
import { LocalImagesScreen } from '../../renderer/screens/LocalImagesScreen';
import { useUi } from '../../renderer/state/ui';
import type { CallName, LadingApi, Result } from '../../shared/contract';
import type { Connection, EngineSummary, ImageInspect, LocalImage } from '../../shared/types';

const id = (c: string) => `sha256:${c.repeat(64)}`;
const app: LocalImage = {
  id: id('a'),
  tags: ['team/app:1.2', 'team/app:latest'],
  digests: [],
  size: 5_000_000,
  created: '2026-12-01T10:00:00Z',
  platform: 'linux/amd64',
};
const tool: LocalImage = {
  id: id('b'),
  tags: ['tools/lint:3'],
  digests: [],
  size: 1_000,
  created: '2026-12-03T10:00:00Z',
  platform: 'linux/arm64',
};
const untagged: LocalImage = { ...tool, id: id('c'), tags: [], created: '2026-11-01T10:00:00Z' };
const docker: EngineSummary = {
  kind: 'docker',
  name: 'Docker 20.10.24',
  endpoint: '/tmp/e/docker.sock',
  source: 'DOCKER_HOST',
  apiVersion: '1.41',
  images: [app, tool, untagged],
};
const notRunning: EngineSummary = {
  kind: 'docker',
  name: 'Docker',
  endpoint: '/var/run/docker.sock',
  source: 'default socket',
  images: [],
  error: {
    code: 'unreachable',
    message:
      'No Docker or Podman engine is running: tried /var/run/docker.sock (default socket: no such socket).',
    hint: 'Start Docker (or Podman: systemctl --user start podman.socket), or point DOCKER_HOST at its socket.',
  },
};

const base = {
  kind: 'generic' as const,
  insecure: true,
  hasSecret: false,
  credentialSource: 'none' as const,
  createdAt: '2025-01-01T00:00:00Z',
};
const local: Connection = { ...base, id: 'loc', name: 'Local', registry: 'localhost:5000' };
const ghcr: Connection = {
  ...base,
  id: 'gh',
  kind: 'ghcr',
  name: 'GitHub',
  registry: 'ghcr.io',
  owner: 'Acme',
};
const image: ImageInspect = {
  registry: 'localhost:5000',
  repository: 'demo/app',
  reference: '1.0',
  digest: id('d'),
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  size: 500,
  rawManifest: '{}',
  warnings: [],
};

function fakeApi(calls: { name: CallName; request: unknown }[], engines: EngineSummary[]): LadingApi {
  return {
    async call(name, request) {
      calls.push({ name, request });
      if (name === 'engines.list') return { ok: true, value: engines } as Result<never>;
      if (name === 'connections.list') return { ok: true, value: [local, ghcr] } as Result<never>;
      if (name === 'registry.inspect') return { ok: true, value: image } as Result<never>;
      if (name === 'registry.tagDetails' || name === 'jobs.list')
        return { ok: true, value: [] } as Result<never>;
      return { ok: true, value: { jobId: `job-${calls.length}` } } as Result<never>;
    },
    on: () => () => {},
    resolveFile: async () => ({ ok: false, error: { code: 'unsupported', message: 'no files here' } }),
  } as LadingApi;
}

function renderWith(node: React.ReactNode) {
  return render(<QueryClientProvider client={new QueryClient()}>{node}</QueryClientProvider>);
}

describe('local image helpers', () => {
  it('filters on every word (tags, id, platform), newest first', () => {
    expect(filterLocalImages([app, tool, untagged], '').map((i) => i.id)).toEqual([
      tool.id,
      app.id,
      untagged.id,
    ]);
    expect(filterLocalImages([app, tool, untagged], 'TEAM latest').map((i) => i.id)).toEqual([app.id]);
    expect(filterLocalImages([app, tool, untagged], 'arm64').map((i) => i.id)).toEqual([
      tool.id,
      untagged.id,
    ]);
    expect(filterLocalImages([app, tool, untagged], 'cccc').map((i) => i.id)).toEqual([untagged.id]);
    expect(filterLocalImages([app], 'nothing')).toEqual([]);
  });

  it('says in a word why an engine has nothing to show, and keeps one engine per kind', () => {
    expect(engineStatusLine(docker)).toBe('3 images');
    expect(engineStatusLine({ images: [app] })).toBe('1 image');
    expect(engineStatusLine(notRunning)).toBe('not running');
    expect(engineStatusLine({ images: [], error: { code: 'denied', message: 'x' } })).toBe(
      'permission denied',
    );
    expect(engineProblemTitle(notRunning)).toBe('Docker is not running');
    expect(engineProblemTitle({ kind: 'podman', error: { code: 'denied', message: 'x' } })).toBe(
      "Lading may not use Podman's socket",
    );
    const rootless = { ...notRunning, kind: 'podman' as const };
    const rootful = { ...docker, kind: 'podman' as const };
    expect(oneEnginePerKind([notRunning, rootless, rootful])).toEqual([notRunning, rootful]);
  });

  it('a dragged image carries its engine and itself, and nothing else passes for one', () => {
    const data = new Map<string, string>();
    const dt = {
      setData: (t: string, v: string) => data.set(t, v),
      getData: (t: string) => data.get(t) ?? '',
      get types() {
        return [...data.keys()];
      },
      effectAllowed: 'none',
    } as unknown as DataTransfer;
    expect(isLocalImageDrag(dt)).toBe(false);
    startLocalImageDrag(dt, { engine: 'podman', image: app });
    expect(isLocalImageDrag(dt)).toBe(true);
    expect(readLocalImageDrag(dt)).toEqual({ engine: 'podman', image: app });
    expect(data.get('text/plain')).toBe('team/app:1.2');
    data.set('application/x-lading-local-image', '{"engine":"lxc","image":{}}');
    expect(readLocalImageDrag(dt)).toBeUndefined();
    data.set('application/x-lading-local-image', '{not json');
    expect(readLocalImageDrag(dt)).toBeUndefined();
    expect(readLocalImageDrag(null)).toBeUndefined();
  });

  it('a name for the engine is NAME[:TAG], or empty', () => {
    expect(localNameError('')).toBeUndefined();
    expect(localNameError('my/app:test')).toBeUndefined();
    expect(localNameError('localhost:5000/app')).toBeUndefined();
    expect(localNameError('app@sha256:abc')).toMatch(/tag, not a digest/);
    expect(localNameError('My App')).toBeDefined();
    expect(localNameError('app:-bad')).toBeDefined();
  });
});

describe('Local images screen and dialogs', () => {
  let calls: { name: CallName; request: unknown }[];
  afterEach(() => {
    cleanup();
    setApi(null);
  });
  beforeEach(() => {
    calls = [];
    useUi.setState({ transfersOpen: false, dialog: null });
  });

  it('lists the images, filters as the user types, and "Push to…" opens the push for that image', async () => {
    setApi(fakeApi(calls, [docker]));
    renderWith(<LocalImagesScreen engine="docker" />);
    const table = await screen.findByRole('table', { name: 'Docker images' });
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(screen.getByText(/Docker 20\.10\.24 · API 1\.41/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Filter local images'), { target: { value: 'lint' } });
    expect(within(table).getAllByRole('row')).toHaveLength(2);
    expect(screen.getByText('1 of 3')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Push tools/lint:3 to…' }));
    expect(useUi.getState().dialog).toEqual({ kind: 'engine-push', engine: 'docker', image: tool });
  });

  it('an engine that is not running says so, with the sockets tried and what to do', async () => {
    setApi(fakeApi(calls, [notRunning]));
    renderWith(<LocalImagesScreen engine="docker" />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Docker is not running');
    expect(alert.textContent).toContain('tried /var/run/docker.sock (default socket: no such socket)');
    expect(alert.textContent).toContain('DOCKER_HOST');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('Podman without a socket is named as not found, with where Lading looked', async () => {
    setApi(fakeApi(calls, [docker]));
    renderWith(<LocalImagesScreen engine="podman" />);
    expect((await screen.findByText('Podman was not found')).parentElement?.textContent).toContain(
      '/run/podman/podman.sock',
    );
  });

  it('"Push to…" on GitHub pre-fills under the owner and pushes from the engine', async () => {
    setApi(fakeApi(calls, [docker]));
    let closed = false;
    renderWith(
      <EnginePushDialog engine="docker" image={app} connectionId="gh" onClose={() => (closed = true)} />,
    );
    const to = (await screen.findByLabelText('To registry')) as HTMLSelectElement;
    await waitFor(() => expect(to.value).toBe('gh'));
    expect((screen.getByLabelText('Target repository') as HTMLInputElement).value).toBe('acme/app');
    expect((screen.getByLabelText('Target tag') as HTMLInputElement).value).toBe('1.2');
    // GitHub's rule, live: a repository outside the owner is refused before anything starts.
    fireEvent.change(screen.getByLabelText('Target repository'), { target: { value: 'other/app' } });
    const push = screen.getByRole('button', { name: 'Push' }) as HTMLButtonElement;
    expect(push.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Target repository'), { target: { value: 'acme/app' } });
    await screen.findByText('1.2 is a new tag here.');
    await waitFor(() => expect(push.disabled).toBe(false));
    fireEvent.click(push);
    await waitFor(() => expect(closed).toBe(true));
    expect(calls.filter((c) => c.name === 'jobs.push').map((c) => c.request)).toEqual([
      {
        connectionId: 'gh',
        source: { engine: 'docker', image: 'team/app:1.2' },
        target: { repository: 'acme/app', tag: '1.2' },
      },
    ]);
    expect(useUi.getState().transfersOpen).toBe(true);
  });

  it('"Pull to Docker" sits beside "Pull to file" and loads under the name typed', async () => {
    setApi(fakeApi(calls, [docker]));
    renderWith(<PullDialog connectionId="loc" repository="demo/app" reference="1.0" onClose={() => {}} />);
    const pull = await screen.findByRole('button', { name: 'Pull to Docker' });
    expect(screen.getByRole('button', { name: 'Pull to file' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Pull to Podman' })).toBeNull();
    const name = screen.getByLabelText(/Name in Docker/);
    // The engine names it with the registry's host, as `docker pull` would.
    await screen.findByText('Empty: named localhost:5000/demo/app:1.0, as on the registry.');
    fireEvent.change(name, { target: { value: 'Bad Name' } });
    expect((pull as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(name, { target: { value: 'mine/app:test' } });
    fireEvent.click(pull);
    await waitFor(() => expect(calls.some((c) => c.name === 'jobs.pull')).toBe(true));
    expect(calls.find((c) => c.name === 'jobs.pull')?.request).toEqual({
      connectionId: 'loc',
      repository: 'demo/app',
      reference: '1.0',
      format: 'docker',
      engine: { kind: 'docker', name: 'mine/app:test' },
    });
  });

  it('no Pull to Docker when Docker is not running', async () => {
    setApi(fakeApi(calls, [notRunning]));
    renderWith(<PullDialog connectionId="loc" repository="demo/app" reference="1.0" onClose={() => {}} />);
    await screen.findByRole('button', { name: 'Pull to file' });
    await waitFor(() => expect(calls.some((c) => c.name === 'engines.list')).toBe(true));
    expect(screen.queryByRole('button', { name: 'Pull to Docker' })).toBeNull();
  });
});
