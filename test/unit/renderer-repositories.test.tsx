// @vitest-environment jsdom
/**
 * The repository list shows the first catalog page at once and fetches the rest one after another; a
 * registry whose cursors lead back to a page already read stops the loop with a note instead of spinning
 * (in-process fake API: the paging itself against a real registry is in test/integration/load-listing).
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/api';
import { useRepositories } from '../../renderer/api/queries';
import type { LadingApi, Result } from '../../shared/contract';
import type { RepositoriesResult } from '../../shared/types';

afterEach(() => {
  cleanup();
  setApi(null);
});

/** A catalog answered from `pages`: the cursor of page i is `c<i>`; `loopTo` makes the last page point back. */
function fakeCatalog(pages: string[][], opts: { loopTo?: number; delayMs?: number } = {}) {
  const asked: Array<string | undefined> = [];
  const api = {
    async call(name: string, request: { cursor?: string }) {
      if (name !== 'registry.repositories') throw new Error(`unexpected ${name}`);
      asked.push(request.cursor);
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 1));
      const index = request.cursor ? Number(request.cursor.slice(1)) : 0;
      const isLast = index === pages.length - 1;
      const next = isLast ? (opts.loopTo !== undefined ? `c${opts.loopTo}` : undefined) : `c${index + 1}`;
      const value: RepositoriesResult = {
        source: 'catalog',
        repositories: (pages[index] ?? []).map((name) => ({ name })),
        ...(next ? { next } : {}),
      };
      return { ok: true, value } as Result<never>;
    },
    on: () => () => {},
  } as unknown as LadingApi;
  return { api, asked };
}

function wrapper() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
}

describe('useRepositories', () => {
  it('shows the first page at once, then every page in order', async () => {
    const pages = [['a/1', 'a/2'], ['b/1', 'b/2'], ['c/1']];
    const { api, asked } = fakeCatalog(pages, { delayMs: 20 });
    setApi(api);
    const { result } = renderHook(() => useRepositories('conn'), { wrapper: wrapper() });
    await waitFor(() => expect(result.current.data?.repositories.length).toBeGreaterThan(0));
    // Rows before the whole list: the first page alone, marked incomplete.
    expect(result.current.data?.complete).toBe(false);
    await waitFor(() => expect(result.current.data?.complete).toBe(true));
    expect(result.current.data?.repositories.map((r) => r.name)).toEqual(pages.flat());
    expect(asked).toEqual([undefined, 'c1', 'c2']);
  });

  it('stops when a cursor leads back to a page already read, and says the list may be incomplete', async () => {
    const { api, asked } = fakeCatalog([['a'], ['b']], { loopTo: 1 });
    setApi(api);
    const { result } = renderHook(() => useRepositories('conn'), { wrapper: wrapper() });
    await waitFor(() => expect(result.current.data?.complete).toBe(true));
    expect(result.current.data?.repositories.map((r) => r.name)).toEqual(['a', 'b']);
    expect(result.current.data?.note).toMatch(/may be incomplete/);
    expect(asked).toEqual([undefined, 'c1']);
  });
});
