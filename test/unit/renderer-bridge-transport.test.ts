// @vitest-environment jsdom
/**
 * The bridge transport's handling of the launch secret: read once from the URL fragment, kept for reloads
 * in sessionStorage, removed from the address bar, and sent on every call.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createBridgeTransport,
  obtainBridgeToken,
  requestBridgeToken,
  shareBridgeToken,
  splitBridgeToken,
  takeBridgeToken,
} from '../../renderer/api/bridge-transport';
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

  it('takes only the token out of the fragment: the screen it names stays', () => {
    history.replaceState(null, '', '/#token=s3cret&/c/c1/r/demo/app/t/1.0');
    expect(takeBridgeToken()).toBe('s3cret');
    expect(window.location.hash).toBe('#/c/c1/r/demo/app/t/1.0');
    expect(window.location.href).not.toContain('s3cret');
    expect(splitBridgeToken('#/c/c1/r/demo/multi/t/1.0?token=a%2Fb&platform=linux/arm64')).toEqual({
      token: 'a/b',
      rest: '#/c/c1/r/demo/multi/t/1.0?platform=linux/arm64',
    });
    expect(splitBridgeToken('#/c/c1/r/demo/multi/t/1.0?platform=linux/arm64&token=x')).toEqual({
      token: 'x',
      rest: '#/c/c1/r/demo/multi/t/1.0?platform=linux/arm64',
    });
    expect(splitBridgeToken('#/c/c1/r/demo/app/t/1.0?token=x')).toEqual({
      token: 'x',
      rest: '#/c/c1/r/demo/app/t/1.0',
    });
    // `token=` inside a path segment is a tag, not the secret.
    expect(splitBridgeToken('#/c/c1/r/demo/t/token=x').token).toBeNull();
  });

  it('a tab without the token (a copied link) gets it from an open tab of the bridge, or from none', async () => {
    expect(await requestBridgeToken(50)).toBeNull();
    shareBridgeToken('from-tab-a');
    history.replaceState(null, '', '/#/c/c1');
    expect(await obtainBridgeToken()).toBe('from-tab-a');
    expect(sessionStorage.getItem(BRIDGE_TOKEN_STORAGE_KEY)).toBe('from-tab-a');
    expect(window.location.hash).toBe('#/c/c1');
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
    if (!result.ok) expect(result.error.code).toBe('bridge-unreachable');
  });
});
