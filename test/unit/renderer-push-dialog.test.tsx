// @vitest-environment jsdom
/**
 * The push dialog against an in-process fake of `window.lading` (component test only; the e2e suite drives
 * the real bridge): the archive is read, the target is pre-filled and validated live, and the push
 * request carries exactly what the user chose.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/api';
import { PushDialog } from '../../renderer/dialogs/PushDialog';
import { navigate } from '../../renderer/state/route';
import { useUi } from '../../renderer/state/ui';
import type { CallName, LadingApi, Result } from '../../shared/contract';
import type { ArchiveSummary, Connection, TagDetail } from '../../shared/types';

const connection: Connection = {
  id: 'c1',
  name: 'GitHub acme',
  kind: 'ghcr',
  registry: 'ghcr.io',
  insecure: false,
  hasSecret: true,
  credentialSource: 'saved',
  owner: 'acme',
  ownerType: 'org',
  createdAt: '2025-01-01T00:00:00Z',
};

const summary: ArchiveSummary = {
  fileName: 'app.tar',
  format: 'docker',
  compression: 'none',
  images: [{ repoTags: ['myapp:1.2'], platforms: ['linux/amd64'], layers: 3, size: 4096, isIndex: false }],
};

/** The registry's tags in the fake: acme/myapp:1.2 exists. */
const existing: TagDetail = {
  tag: '1.2',
  digest: `sha256:${'ab'.repeat(32)}`,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  isIndex: false,
  platforms: ['linux/amd64'],
  size: 2048,
};

function fakeApi(calls: { name: CallName; request: unknown }[]): LadingApi {
  const answers: Partial<Record<CallName, unknown>> = {
    'connections.list': [connection],
    'archive.inspect': summary,
    'jobs.push': { jobId: 'job-1' },
  };
  return {
    async call(name, request) {
      calls.push({ name, request });
      if (name === 'registry.tagDetails') {
        const { repository, tags } = request as { repository: string; tags: string[] };
        const found = repository === 'acme/myapp' && tags.includes('1.2');
        return { ok: true, value: found ? [existing] : [] } as Result<never>;
      }
      return { ok: true, value: answers[name] } as Result<never>;
    },
    on: () => () => {},
    resolveFile: async () => ({ ok: true, value: { uploadId: 'upload-12345678' } }),
  } as LadingApi;
}

describe('PushDialog', () => {
  let calls: { name: CallName; request: unknown }[];
  beforeEach(() => {
    calls = [];
    setApi(fakeApi(calls));
    navigate({ screen: 'repositories', connectionId: 'c1' }, { replace: true });
    useUi.setState({ transfersOpen: false });
  });
  afterEach(() => {
    cleanup();
    setApi(null);
  });

  it('pre-fills the target under the owner, validates live, and pushes what was chosen', async () => {
    let closed = false;
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <PushDialog files={[new File(['x'], 'app.tar')]} paths={[]} onClose={() => (closed = true)} />
      </QueryClientProvider>,
    );
    const repo = (await screen.findByLabelText(/Target repository/)) as HTMLInputElement;
    await waitFor(() => expect(repo.value).toBe('acme/myapp'));
    const tag = screen.getByLabelText(/Target tag/) as HTMLInputElement;
    expect(tag.value).toBe('1.2');
    expect(screen.getByText(/linux\/amd64 · 3 layers/)).toBeTruthy();
    // acme/myapp:1.2 exists: the dialog says what it points at, and pushing needs "Replace".
    const notice = await screen.findByRole('group', { name: '1.2 already exists' });
    expect(notice.textContent).toContain('abababababab');
    const push = screen.getByRole('button', { name: /^Push/ }) as HTMLButtonElement;
    expect(push.textContent).toContain('Push and replace');
    expect(push.disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: /Replace 1\.2/ }));
    expect(push.disabled).toBe(false);

    fireEvent.change(repo, { target: { value: 'Acme/MyApp' } });
    expect(screen.getByText(/must be lowercase/)).toBeTruthy();
    expect(push.disabled).toBe(true);

    fireEvent.change(repo, { target: { value: 'acme/myapp' } });
    fireEvent.change(tag, { target: { value: '-bad' } });
    expect(push.disabled).toBe(true);

    fireEvent.change(tag, { target: { value: '2.0' } });
    // While the new tag is checked the push waits; a new tag needs no Replace.
    expect(push.disabled).toBe(true);
    await screen.findByText('2.0 is a new tag here.');
    await waitFor(() => expect(push.disabled).toBe(false));
    expect(push.textContent).not.toContain('replace');
    fireEvent.click(push);
    await waitFor(() => expect(closed).toBe(true));
    const request = calls.find((c) => c.name === 'jobs.push')?.request;
    expect(request).toEqual({
      connectionId: 'c1',
      source: { uploadId: 'upload-12345678' },
      image: undefined,
      platform: undefined,
      target: { repository: 'acme/myapp', tag: '2.0' },
    });
    expect(useUi.getState().transfersOpen).toBe(true);
  });
});
