// @vitest-environment jsdom
/**
 * The clean-up dialog against an in-process fake of `window.lading` (e2e/cleanup.spec.ts drives it on real
 * registries): the preview shows the plan for the rules as typed, a rule that does not parse is never sent
 * and blocks Run, and Run starts jobs.prune with exactly the previewed request and opens the transfers.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../renderer/api';
import { CleanupDialog } from '../../renderer/dialogs/CleanupDialog';
import { useUi } from '../../renderer/state/ui';
import type { CallName, LadingApi, Result } from '../../shared/contract';
import type { Connection, PrunePlanView } from '../../shared/types';

const base = {
  insecure: true,
  hasSecret: false,
  credentialSource: 'none' as const,
  createdAt: '2025-01-01T00:00:00Z',
};
const generic: Connection = { ...base, kind: 'generic', id: 'reg', name: 'Registry', registry: 'reg:5000' };
const ghcr: Connection = {
  ...base,
  kind: 'ghcr',
  id: 'gh',
  name: 'acme',
  registry: 'ghcr.io',
  owner: 'acme',
};
const d = (n: number) => `sha256:${String(n).repeat(64)}`;

/** keep-last N keeps the N newest of ci-1..ci-4 (ci-4 newest). */
function planFor(request: { keepLast?: number }): PrunePlanView {
  const n = request.keepLast ?? 0;
  const all = [1, 2, 3, 4];
  return {
    plan: all.slice(0, 4 - n).map((i) => ({
      action: 'delete-manifest' as const,
      tag: `ci-${i}`,
      tags: [`ci-${i}`],
      digest: d(i),
      created: `2025-01-0${i}T00:00:00Z`,
      reason: `not among the ${n} newest`,
    })),
    keep: all.slice(4 - n).map((i) => ({ tag: `ci-${i}`, digest: d(i), reason: 'newest' })),
    reclaimableBytes: 2048,
    notes: [],
  };
}

function fakeApi(calls: { name: CallName; request: unknown }[]): LadingApi {
  return {
    async call(name, request) {
      calls.push({ name, request });
      if (name === 'connections.list') return { ok: true, value: [generic, ghcr] } as Result<never>;
      if (name === 'registry.prunePlan')
        return { ok: true, value: planFor(request as { keepLast?: number }) } as Result<never>;
      return { ok: true, value: { jobId: 'job-1' } } as Result<never>;
    },
    on: () => () => {},
    resolveFile: async () => ({ ok: false, error: { code: 'unsupported', message: 'no files here' } }),
  } as LadingApi;
}

const renderWith = (node: React.ReactNode) =>
  render(<QueryClientProvider client={new QueryClient()}>{node}</QueryClientProvider>);
/** The tags column of the "Would be deleted" table. */
const rows = (region: string) =>
  [...screen.getByRole('region', { name: region }).querySelectorAll('tbody tr')].map(
    (tr) => tr.querySelector('td:nth-child(2)')?.textContent,
  );

describe('CleanupDialog', () => {
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

  it('previews as typed, never sends a broken rule, and runs the previewed request', async () => {
    let closed = false;
    renderWith(<CleanupDialog connectionId="reg" repository="team/app" onClose={() => (closed = true)} />);
    const keepLast = screen.getByLabelText(/Keep the newest images/);
    fireEvent.change(keepLast, { target: { value: '3' } });
    await screen.findByRole('button', { name: 'Run clean-up (1 deletion)' }, { timeout: 3000 });
    expect(rows('Would be deleted')).toEqual(['ci-1']);

    fireEvent.change(keepLast, { target: { value: 'three' } });
    expect(screen.getByText(/A whole number of images/)).toBeTruthy();
    expect((screen.getByRole('button', { name: /^Run clean-up/ }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(keepLast, { target: { value: '1' } });
    const run = await screen.findByRole('button', { name: 'Run clean-up (3 deletions)' }, { timeout: 3000 });
    expect(rows('Would be deleted')).toEqual(['ci-1', 'ci-2', 'ci-3']);
    expect(
      screen.getByText(/^3 images deleted \(with 3 tags\); 1 tag kept · 2 KiB no longer referenced\.$/),
    ).toBeTruthy();
    fireEvent.click(run);
    await waitFor(() => expect(closed).toBe(true));
    const request = { connectionId: 'reg', repository: 'team/app', keep: ['^latest$'], keepLast: 1 };
    const plans = calls.filter((c) => c.name === 'registry.prunePlan').map((c) => c.request);
    expect(plans.every((p) => (p as { keepLast?: unknown }).keepLast !== 'three')).toBe(true);
    expect(plans.at(-1)).toEqual(request);
    expect(calls.find((c) => c.name === 'jobs.prune')?.request).toEqual(request);
    expect(useUi.getState().transfersOpen).toBe(true);
  });

  it('on a GitHub package offers its untagged versions and counts versions', async () => {
    renderWith(<CleanupDialog connectionId="gh" repository="acme/app" onClose={() => {}} />);
    expect(await screen.findByLabelText('Also delete untagged versions that nothing kept uses')).toBeTruthy();
    fireEvent.change(screen.getByLabelText(/Keep the newest images/), { target: { value: '2' } });
    await screen.findByText(/^2 versions deleted/, undefined, { timeout: 3000 });
  });
});
