// @vitest-environment jsdom
/**
 * The bridge transport's handling of the launch secret: read once from the URL fragment, kept for reloads
 * in sessionStorage, removed from the address bar, and sent on every call.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBridgeTransport, takeBridgeToken } from '../../renderer/api/bridge-transport';
import { BRIDGE_TOKEN_HEADER, BRIDGE_TOKEN_STORAGE_KEY } from '../../shared/bridge-protocol';

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('bridge transport', () => {
  it('takes the token from the fragment once and clears the fragment', () => {
    history.replaceState(null, '', '/#token=s3cret-value');
    expect(takeBridgeToken()).toBe('s3cret-value');
    expect(window.location.hash).toBe('');
    expect(sessionStorage.getItem(BRIDGE_TOKEN_STORAGE_KEY)).toBe('s3cret-value');
    // A reload has no fragment any more: the stored token is used.
    expect(takeBridgeToken()).toBe('s3cret-value');
  });

  it('sends the token header and returns the result envelope; 401 becomes an actionable error', async () => {
    const fetchMock = vi.fn(async (_url: string, init: RequestInit) => {
      const headers = init.headers as Record<string, string>;
      if (headers[BRIDGE_TOKEN_HEADER] !== 'good') return new Response('{}', { status: 401 });
      return new Response(JSON.stringify({ ok: true, value: [] }), { status: 200 });
    });
    vi.stubGlobal('fetch', fetchMock);
    const good = createBridgeTransport('good');
    expect(await good.call('connections.list', {})).toEqual({ ok: true, value: [] });
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/call/connections.list');
    const bad = await createBridgeTransport('bad').call('connections.list', {});
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.hint).toMatch(/lading serve/);
    // The secret never goes in a URL (browser history): download links carry no credential.
    expect(good.downloadUrl?.('job 1')).toBe('/api/download/job%201');
  });

  it('a click on a download link fetches a one-time ticket, then follows the link with only the ticket', async () => {
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) =>
      Response.json({ ok: true, value: { ticket: 'T1' } }),
    );
    vi.stubGlobal('fetch', fetchMock);
    const followed: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      followed.push(this.href);
    });
    const api = createBridgeTransport('good');
    const link = document.createElement('a');
    link.href = api.downloadUrl!('job 1');
    link.setAttribute('download', 'app.tar');
    link.textContent = 'Download';
    document.body.append(link);
    const event = new MouseEvent('click', { bubbles: true, cancelable: true });
    link.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    await vi.waitFor(() => expect(followed).toHaveLength(1));
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/download-ticket');
    expect((init.headers as Record<string, string>)[BRIDGE_TOKEN_HEADER]).toBe('good');
    expect(JSON.parse(String(init.body))).toEqual({ jobId: 'job 1' });
    expect(followed[0]).toBe(`${window.location.origin}/api/download/job%201?ticket=T1`);
    expect(followed[0]).not.toContain('good');
    click.mockRestore();
    link.remove();
  });

  it('reports an unreachable bridge instead of throwing', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    const result = await createBridgeTransport('t').call('jobs.list', {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('BRIDGE_UNREACHABLE');
  });
});
