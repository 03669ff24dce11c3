// @vitest-environment jsdom
/**
 * ExternalLink (labels' and GitHub's links): shows the real host, asks before opening a link whose text does
 * not name that host, and never makes a link of a URL with userinfo (`https://good.com@evil.com`).
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setApi } from '../../renderer/api';
import { ExternalLink } from '../../renderer/components/ExternalLink';
import type { LadingApi, Result } from '../../shared/contract';

function electronApi(opened: string[]): LadingApi {
  return {
    async call(name: string, request: { url: string }) {
      if (name === 'shell.openExternal') opened.push(request.url);
      return { ok: true, value: { ok: true } } as Result<never>;
    },
    on: () => () => {},
    resolveFile: async () => ({ ok: false, error: { code: 'x', message: 'x' } }),
  } as unknown as LadingApi;
}

afterEach(() => {
  cleanup();
  setApi(null);
  delete window.lading;
  vi.restoreAllMocks();
});

function asElectron(): string[] {
  const opened: string[] = [];
  const api = electronApi(opened);
  window.lading = api;
  setApi(api);
  return opened;
}

describe('ExternalLink', () => {
  it('shows the real host and asks, naming it, before opening a link whose text hides it', async () => {
    const opened = asElectron();
    render(<ExternalLink href="https://evil.example/payload">github.com/lading/lading docs</ExternalLink>);
    const link = screen.getByRole('link', { name: /docs/ });
    expect(screen.getByText('(evil.example)')).toBeTruthy();
    fireEvent.click(link);
    const dialog = screen.getByRole('dialog', { name: 'Open a link to evil.example?' });
    expect(dialog.textContent).toContain('https://evil.example/payload');
    expect(opened).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opened).toEqual([]);

    fireEvent.click(link);
    fireEvent.click(screen.getByRole('button', { name: 'Open evil.example' }));
    await vi.waitFor(() => expect(opened).toEqual(['https://evil.example/payload']));
  });

  it('opens at once when the text names the host', async () => {
    const opened = asElectron();
    render(
      <ExternalLink href="https://github.com/lading/lading">https://github.com/lading/lading</ExternalLink>,
    );
    fireEvent.click(screen.getByRole('link'));
    expect(screen.queryByRole('dialog')).toBeNull();
    await vi.waitFor(() => expect(opened).toEqual(['https://github.com/lading/lading']));
  });

  it('in a browser, the confirmed link opens in a new tab without an opener', () => {
    const open = vi.spyOn(window, 'open').mockImplementation(() => null);
    render(<ExternalLink href="https://example.org/x">Source</ExternalLink>);
    fireEvent.click(screen.getByRole('link', { name: 'Source' }));
    fireEvent.click(screen.getByRole('button', { name: 'Open example.org' }));
    expect(open).toHaveBeenCalledWith('https://example.org/x', '_blank', 'noopener,noreferrer');
  });

  it.each(['https://good.com@evil.com/x', 'https://user:pass@evil.com/', 'http://example.com'])(
    'makes no link of %s',
    (href) => {
      render(<ExternalLink href={href}>{href}</ExternalLink>);
      expect(screen.queryByRole('link')).toBeNull();
      expect(screen.getByText(href)).toBeTruthy();
    },
  );
});
