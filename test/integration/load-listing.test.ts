/**
 * Listing at scale from a real docker-registry: 50,000 tags in one repository and 20,000 repositories,
 * through the registry client and through the services the UI calls. Bounds are generous (a shared CI
 * machine); `npx tsx bench/load.ts` prints the figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measure } from '../../bench/load';
import { createServices, dispatch, type Services } from '../../electron/app/services';
import { MemorySecretStore } from '../../electron/core/connections/secret-store';
import { RegistryClient } from '../../electron/core/registry/client';
import { repositoryName } from '../../electron/core/registry/names';
import { startRegistry, type TestRegistry } from '../support/registry';
import { seedRepositoriesInStorage, seedTagsInStorage } from '../support/storage-seed';

const MiB = 1024 * 1024;
const TAGS = 50_000;
const REPOS = 20_000;

let registry: TestRegistry;
let dir: string;

beforeAll(async () => {
  registry = await startRegistry({ mode: 'open' });
  dir = await mkdtemp(join(tmpdir(), 'lading-load-'));
  await seedTagsInStorage(registry, 'load/many-tags', TAGS);
  await seedRepositoriesInStorage(registry, 'load', REPOS);
}, 300_000);

afterAll(async () => {
  await registry?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('listing at scale (client)', () => {
  it(`lists ${TAGS} tags quickly with flat memory`, { timeout: 120_000 }, async () => {
    const client = new RegistryClient({ registry: registry.host });
    await client.ping();
    const { value, ms, rssGrowth } = await measure(() => client.tags(repositoryName('load/many-tags')));
    expect(value).toHaveLength(TAGS);
    expect(new Set(value).size).toBe(TAGS);
    expect(value).toContain('t-049999');
    expect(ms).toBeLessThan(15_000);
    expect(rssGrowth).toBeLessThan(150 * MiB);
  });

  it(`lists ${REPOS} repositories (every catalog page) with flat memory`, { timeout: 300_000 }, async () => {
    const client = new RegistryClient({ registry: registry.host });
    await client.ping();
    let pages = 0;
    const { value, ms, rssGrowth } = await measure(() => client.catalog({ onPage: () => pages++ }));
    // The seed image's own repository is listed too.
    expect(value.filter((r) => r.startsWith('load/r-'))).toHaveLength(REPOS);
    expect(new Set(value).size).toBe(value.length);
    // Pages of 1,000 (distribution's cap), not its default 100: 21 walks of its storage instead of 201.
    expect(pages).toBeGreaterThanOrEqual(20);
    expect(pages).toBeLessThanOrEqual(22);
    // A few seconds on a quiet machine (bench/load.ts prints it); generous for a loaded CI machine.
    expect(ms).toBeLessThan(60_000);
    expect(rssGrowth).toBeLessThan(150 * MiB);
  });
});

describe('listing at scale (services, as the UI asks)', () => {
  let services: Services;
  let connectionId: string;

  beforeAll(async () => {
    services = await createServices({
      dataDir: await mkdtemp(join(dir, 'data-')),
      tempDir: dir,
      secretStore: new MemorySecretStore(),
      mode: 'bridge',
    });
    const saved = await dispatch(services.handlers, 'connections.save', {
      name: 'load',
      kind: 'generic',
      registry: registry.host,
    });
    if (!saved.ok) throw new Error(saved.error.message);
    connectionId = saved.value.id;
  });
  afterAll(async () => {
    await services?.dispose();
  });

  it(`registry.repositories answers ${REPOS} repositories a page at a time`, {
    timeout: 120_000,
  }, async () => {
    const t0 = performance.now();
    const first = await dispatch(services.handlers, 'registry.repositories', { connectionId });
    const firstPageMs = performance.now() - t0;
    if (!first.ok) throw new Error(first.error.message);
    expect(first.value.source).toBe('catalog');
    expect(first.value.repositories).toHaveLength(1000);
    expect(first.value.next).toBeTruthy();
    // The first page is there long before the whole list: what the UI shows first.
    expect(firstPageMs).toBeLessThan(5_000);

    const names = first.value.repositories.map((r) => r.name);
    let cursor = first.value.next;
    let pages = 1;
    while (cursor) {
      const page = await dispatch(services.handlers, 'registry.repositories', { connectionId, cursor });
      if (!page.ok) throw new Error(page.error.message);
      names.push(...page.value.repositories.map((r) => r.name));
      cursor = page.value.next;
      pages++;
    }
    expect(names.filter((n) => n.startsWith('load/r-'))).toHaveLength(REPOS);
    expect(new Set(names).size).toBe(names.length);
    expect(pages).toBeLessThanOrEqual(22);

    // A cursor is only ever a page of this registry's catalog: anything else is refused before any request.
    for (const forged of [
      'http://127.0.0.2:1/v2/_catalog?n=1',
      '/v2/other/tags/list',
      '//evil.example/v2/_catalog',
    ]) {
      const r = await dispatch(services.handlers, 'registry.repositories', { connectionId, cursor: forged });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/cursor is not a page of this registry/);
    }
  });

  it(`registry.tags answers ${TAGS} tags and tagDetails stays bounded to its page`, {
    timeout: 120_000,
  }, async () => {
    const {
      value: r,
      ms,
      rssGrowth,
    } = await measure(() =>
      dispatch(services.handlers, 'registry.tags', { connectionId, repository: 'load/many-tags' }),
    );
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toHaveLength(TAGS);
    expect(ms).toBeLessThan(15_000);
    expect(rssGrowth).toBeLessThan(200 * MiB);
    // The UI asks details for the visible rows only (at most 100 per call).
    const details = await dispatch(services.handlers, 'registry.tagDetails', {
      connectionId,
      repository: 'load/many-tags',
      tags: Array.from({ length: 100 }, (_, i) => `t-${String(i).padStart(6, '0')}`),
    });
    expect(details.ok).toBe(true);
    if (details.ok) expect(details.value).toHaveLength(100);
    const tooMany = await dispatch(services.handlers, 'registry.tagDetails', {
      connectionId,
      repository: 'load/many-tags',
      tags: Array.from({ length: 101 }, (_, i) => `t-${i}`),
    });
    expect(tooMany.ok).toBe(false);
  });
});
