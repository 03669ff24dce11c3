// @vitest-environment jsdom
/**
 * Tag details load in the background in batches of at most 100, with at most three requests in flight, and
 * land in the react-query cache so reopening the repository shows them at once (in-process fake API).
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/api';
import { DETAIL_BATCH, DETAIL_CONCURRENCY, keys, useTagDetails } from '../../renderer/api/queries';
import type { LadingApi, Result } from '../../shared/contract';
import type { TagDetail } from '../../shared/types';

afterEach(() => {
  cleanup();
  setApi(null);
});

function fakeApi(stats: { inFlight: number; maxInFlight: number; batches: number[] }): LadingApi {
  return {
    async call(name: string, request: { tags: string[] }) {
      if (name !== 'registry.tagDetails') throw new Error(`unexpected ${name}`);
      stats.batches.push(request.tags.length);
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      await new Promise((r) => setTimeout(r, 2));
      stats.inFlight--;
      const value: TagDetail[] = request.tags.map((tag) => ({
        tag,
        digest: `sha256:${tag}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        isIndex: false,
        platforms: ['linux/amd64'],
        size: 1,
      }));
      return { ok: true, value } as Result<never>;
    },
    on: () => () => {},
    resolveFile: async () => ({ ok: false, error: { code: 'x', message: 'x' } }),
  } as unknown as LadingApi;
}

describe('useTagDetails', () => {
  it('loads 1,050 tags in batches of ≤100 with ≤3 in flight and caches them', async () => {
    const stats = { inFlight: 0, maxInFlight: 0, batches: [] as number[] };
    setApi(fakeApi(stats));
    const client = new QueryClient();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    );
    const tags = Array.from({ length: 1050 }, (_, i) => `t${i}`);
    const { result, unmount } = renderHook(() => useTagDetails('c', 'r', tags, 0), { wrapper });
    await waitFor(() => expect(result.current.pending).toBe(0));
    expect(result.current.details.size).toBe(1050);
    expect(Math.max(...stats.batches)).toBeLessThanOrEqual(DETAIL_BATCH);
    expect(stats.batches.reduce((a, b) => a + b, 0)).toBe(1050);
    expect(stats.maxInFlight).toBeLessThanOrEqual(DETAIL_CONCURRENCY);
    expect(client.getQueryData<Map<string, TagDetail>>(keys.tagDetails('c', 'r'))?.size).toBe(1050);
    unmount();

    // Reopening: everything is there before any request answers.
    const again = renderHook(() => useTagDetails('c', 'r', tags, 0), { wrapper });
    expect(again.result.current.details.size).toBe(1050);
  });

  it('keeps saying a batch failed after the others arrive, and stops asking once the screen is left', async () => {
    let calls = 0;
    const failing = {
      async call(_name: string, request: { tags: string[] }) {
        calls++;
        await new Promise((r) => setTimeout(r, 2));
        if (request.tags.includes('t0'))
          return { ok: false, error: { code: 'unavailable', message: 'down' } };
        const value = request.tags.map((tag) => ({
          tag,
          digest: `sha256:${tag}`,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          isIndex: false,
          platforms: [],
          size: 1,
        }));
        return { ok: true, value } as Result<never>;
      },
      on: () => () => {},
    } as unknown as LadingApi;
    setApi(failing);
    const client = new QueryClient();
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    );
    const tags = Array.from({ length: 250 }, (_, i) => `t${i}`);
    const { result, unmount } = renderHook(() => useTagDetails('c', 'r', tags, 0), { wrapper });
    await waitFor(() => expect(result.current.details.size).toBe(150));
    await new Promise((r) => setTimeout(r, 80));
    expect(result.current.error?.message).toBe('down');
    unmount();

    // 2,000 tags are 20 batches; leaving at once lets only the first three (already in flight) be asked.
    calls = 0;
    const many = Array.from({ length: 2000 }, (_, i) => `m${i}`);
    const left = renderHook(() => useTagDetails('c', 'other', many, 0), { wrapper });
    left.unmount();
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBeLessThanOrEqual(DETAIL_CONCURRENCY);
  });
});
