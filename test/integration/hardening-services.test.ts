/**
 * What the renderer sees when a registry or an archive is hostile: every call through `dispatch` answers a
 * typed error (never `internal`, never raw HTML or a stack), within bounded time and memory, and nothing is
 * written. The client-level behaviour is in hardening-hostile.test.ts.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, dispatch, type Services } from '../../electron/app/services';
import { MemorySecretStore } from '../../electron/core/connections/secret-store';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import type { Result } from '../../shared/contract';
import type { Job } from '../../shared/types';
import {
  buildGzipBomb,
  HOSTILE,
  type HostileRegistry,
  startHostileRegistry,
} from '../support/hostile-registry';
import { timed } from '../support/memory';
import { chooseArchives, chooseSavePath, ScriptedDialogs } from '../support/services';

const MiB = 1024 * 1024;

let hostile: HostileRegistry;
let services: Services;
let dir: string;
let connectionId: string;
// Electron mode: a pull writes only where the save dialog said, so the tests choose their paths through it.
const dialogs = new ScriptedDialogs();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lading-hardening-services-'));
  hostile = await startHostileRegistry({ gzipBombBytes: 256 * MiB });
  services = await createServices({
    dataDir: await mkdtemp(join(dir, 'data-')),
    tempDir: dir,
    secretStore: new MemorySecretStore(),
    mode: 'electron',
    dialogs,
  });
  const saved = await dispatch(services.handlers, 'connections.save', {
    name: 'hostile',
    kind: 'generic',
    registry: hostile.host,
  });
  if (!saved.ok) throw new Error(saved.error.message);
  connectionId = saved.value.id;
});

afterAll(async () => {
  closeGzipPool();
  await services?.dispose();
  await hostile?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A failed Result fit for the renderer: typed, one line, no HTML, no stack. */
function expectPresentableFailure(r: Result<unknown>, codes: string[]): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(codes).toContain(r.error.code);
  const text = `${r.error.message}\n${r.error.hint ?? ''}`;
  expect(text).not.toContain(hostile.htmlMarker);
  expect(text).not.toMatch(/<html|<script|<!DOCTYPE/i);
  expect(text).not.toMatch(/\n\s+at /);
  expect(r.error.message).not.toContain('\n');
}

async function waitForJob(id: string): Promise<Job> {
  for (let i = 0; i < 600; i++) {
    const r = await dispatch(services.handlers, 'jobs.list', {});
    const job = r.ok ? r.value.find((j) => j.id === id) : undefined;
    if (job && (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled')) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

describe('browsing a hostile registry through the services', () => {
  const cases: Array<[string, string, string[]]> = [
    [HOSTILE.manifestMismatch, 'latest', ['digest-mismatch']],
    [HOSTILE.configMismatch, 'latest', ['digest-mismatch']],
    [HOSTILE.hugeManifest, 'declared', ['too-large']],
    [HOSTILE.hugeManifest, 'chunked', ['too-large']],
    [HOSTILE.endless, 'latest', ['too-large']],
    [HOSTILE.html, 'latest', ['protocol-error']],
    [HOSTILE.htmlError, 'latest', ['server-error']],
    [HOSTILE.redirectLoop, 'latest', ['protocol-error']],
    [HOSTILE.redirectChain, 'latest', ['protocol-error']],
  ];
  for (const [repository, reference, codes] of cases) {
    it(`registry.inspect ${repository}:${reference} → ${codes.join('|')}`, { timeout: 30_000 }, async () => {
      const { value, ms, growth } = await timed(() =>
        dispatch(services.handlers, 'registry.inspect', { connectionId, repository, reference }),
      );
      expectPresentableFailure(value, codes);
      expect(ms).toBeLessThan(15_000);
      expect(growth).toBeLessThan(100 * MiB);
    });
  }

  it('registry.tags of endless, huge and looping lists answers typed errors, bounded', {
    timeout: 60_000,
  }, async () => {
    for (const [repository, codes] of [
      [HOSTILE.manyTags, ['too-large']],
      [HOSTILE.endless, ['too-large']],
      [HOSTILE.linkLoop, ['protocol-error']],
      [HOSTILE.html, ['protocol-error']],
    ] as const) {
      const { value, ms, growth } = await timed(() =>
        dispatch(services.handlers, 'registry.tags', { connectionId, repository }),
      );
      expectPresentableFailure(value, [...codes]);
      expect(ms).toBeLessThan(20_000);
      expect(growth).toBeLessThan(250 * MiB);
    }
  });

  it('inspecting an image whose layer is a gzip bomb only reads manifest and config', async () => {
    const r = await dispatch(services.handlers, 'registry.inspect', {
      connectionId,
      repository: HOSTILE.gzipBomb,
      reference: 'latest',
    });
    expect(r.ok).toBe(true);
  });

  it('a pull job of a blob that does not match its digest fails with the digest named and writes nothing', {
    timeout: 60_000,
  }, async () => {
    const outDir = await mkdtemp(join(dir, 'pull-'));
    const r = await dispatch(services.handlers, 'jobs.pull', {
      connectionId,
      repository: HOSTILE.blobMismatch,
      reference: 'latest',
      format: 'docker',
      path: await chooseSavePath({ services, dialogs }, join(outDir, 'out.tar')),
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const job = await waitForJob(r.value.jobId);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('digest-mismatch');
    expect(job.error?.message).toContain(hostile.image.layerDigest);
    expect(await readdir(outDir)).toEqual([]);
  });

  it('a pull job of a gzip-bomb layer fails, bounded, and writes nothing', { timeout: 120_000 }, async () => {
    const outDir = await mkdtemp(join(dir, 'bomb-'));
    const { value: job, growth } = await timed(async () => {
      const r = await dispatch(services.handlers, 'jobs.pull', {
        connectionId,
        repository: HOSTILE.gzipBomb,
        reference: 'latest',
        format: 'docker',
        path: await chooseSavePath({ services, dialogs }, join(outDir, 'bomb.tar')),
      });
      if (!r.ok) throw new Error(r.error.message);
      return waitForJob(r.value.jobId);
    });
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('digest-mismatch');
    expect(growth).toBeLessThan(200 * MiB);
    expect(await readdir(outDir)).toEqual([]);
  });
});

describe('a gzip-bomb archive given to archive.inspect and jobs.push', () => {
  it('is refused with a clear error in bounded time and memory', { timeout: 120_000 }, async () => {
    const bomb = await buildGzipBomb(1024 * MiB);
    const file = join(dir, 'bomb.tar.gz');
    await writeFile(file, bomb.blob);
    await chooseArchives({ services, dialogs }, [file]);
    const { value, ms, growth } = await timed(() =>
      dispatch(services.handlers, 'archive.inspect', { source: { path: file } }),
    );
    expectPresentableFailure(value, ['archive-invalid']);
    expect(ms).toBeLessThan(60_000);
    expect(growth).toBeLessThan(200 * MiB);

    const push = await dispatch(services.handlers, 'jobs.push', {
      connectionId,
      source: { path: file },
      target: { repository: 'hostile/pushed', tag: 'bomb' },
    });
    expect(push.ok).toBe(true);
    if (!push.ok) return;
    const job = await waitForJob(push.value.jobId);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('archive-invalid');
    // The hostile registry is read-only; it never saw a manifest PUT either.
    expect(hostile.requests.some((r) => r.method === 'PUT')).toBe(false);
  });
});
