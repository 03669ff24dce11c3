/**
 * Transfer jobs with the real pipelines against a real registry: push an archive, pull it back (bridge-style,
 * to a download), cancel a running transfer and retry it, and push a file uploaded through the bridge.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, startBridge } from '../../electron/app/bridge/server';
import { dispatch } from '../../electron/app/services';
import {
  BRIDGE_DOWNLOAD_PATH,
  BRIDGE_FILENAME_HEADER,
  BRIDGE_TICKET_PATH,
  BRIDGE_TICKET_QUERY,
  BRIDGE_TOKEN_HEADER,
} from '../../shared/bridge-protocol';
import type { EventPayload } from '../../shared/contract';
import type { Job } from '../../shared/types';
import { buildImage, writeArchive } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  callers,
  chooseArchives,
  chooseSavePath,
  connectionTo,
  servicesInTempDir,
  type TestServices,
} from '../support/services';

let registry: TestRegistry;
let sandbox: TestServices;
let bridge: Bridge;
let connectionId: string;
const { call, ok } = callers(() => sandbox.services);
let smallArchive: string;
let bigArchive: string;

beforeAll(async () => {
  registry = await startRegistry({ mode: 'basic' });
  // Electron mode: pushes from paths (as after a file dialog); the bridge on top serves uploads and downloads.
  sandbox = await servicesInTempDir({ mode: 'electron', prefix: 'lading-jobs-' });
  bridge = await startBridge({ services: sandbox.services });
  const saved = await ok('connections.save', connectionTo(registry, 'Jobs'));
  connectionId = saved.id;
  smallArchive = join(sandbox.dir, 'small.tar');
  await writeArchive(
    await buildImage({ layers: [{ 'hello.txt': 'hello\n' }] }),
    'docker-archive',
    smallArchive,
    {
      refName: 'small:1',
    },
  );
  // Incompressible, so the push takes long enough to be cancelled mid-way.
  bigArchive = join(sandbox.dir, 'big.tar');
  await writeArchive(
    await buildImage({ layers: [{ 'big.bin': randomBytes(48 * 1024 * 1024) }] }),
    'docker-archive',
    bigArchive,
  );
  // As if picked with "Push archive…": Electron mode reads only archives the user chose.
  await chooseArchives(sandbox, [smallArchive, bigArchive]);
});

afterAll(async () => {
  await bridge?.close();
  await sandbox?.dispose();
  await registry?.stop();
});

describe('transfer jobs', () => {
  it('pushes an archive and pulls it back as a download, with progress events', async () => {
    const events: Job[] = [];
    const unsubscribe = sandbox.services.events.subscribe((event, payload) => {
      if (event === 'jobs.updated') events.push(payload as EventPayload<'jobs.updated'>);
    });
    const { jobId } = await ok('jobs.push', {
      connectionId,
      source: { path: smallArchive },
      target: { repository: 'jobs/small', tag: '1' },
    });
    const pushed = await sandbox.services.context.jobs.wait(jobId);
    expect(pushed).toMatchObject({ state: 'done', kind: 'push' });
    expect(pushed.resultMessage).toMatch(/^Pushed sha256:/);
    expect(pushed.title).toBe(`Push small.tar → ${registry.host}/jobs/small:1`);
    expect(await ok('registry.tags', { connectionId, repository: 'jobs/small' })).toEqual(['1']);
    const mine = events.filter((e) => e.id === jobId);
    expect(mine.map((e) => e.state)).toEqual(expect.arrayContaining(['queued', 'running', 'done']));
    expect(mine.at(-1)!.progress?.bytesDone).toBe(mine.at(-1)!.progress?.bytesTotal);

    const pull = await ok('jobs.pull', {
      connectionId,
      repository: 'jobs/small',
      reference: '1',
      format: 'docker',
    });
    const pulled = await sandbox.services.context.jobs.wait(pull.jobId);
    expect(pulled).toMatchObject({ state: 'done', resultDigest: pushed.resultDigest });
    unsubscribe();

    const issued = await fetch(`${bridge.origin}${BRIDGE_TICKET_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [BRIDGE_TOKEN_HEADER]: bridge.token },
      body: JSON.stringify({ jobId: pull.jobId }),
    });
    const { ticket } = ((await issued.json()) as { value: { ticket: string } }).value;
    const res = await fetch(
      `${bridge.origin}${BRIDGE_DOWNLOAD_PATH}/${pull.jobId}?${BRIDGE_TICKET_QUERY}=${ticket}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('small-1.tar');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBeGreaterThan(1024);
    expect(bytes.subarray(257, 262).toString()).toBe('ustar');
  });

  it('in Electron mode, pulls to the file chosen in the save dialog, and only there', async () => {
    const chosen = await chooseSavePath(sandbox, join(sandbox.dir, 'chosen-small.tar'));
    const { jobId } = await ok('jobs.pull', {
      connectionId,
      repository: 'jobs/small',
      reference: '1',
      format: 'docker',
      path: chosen,
    });
    expect(await sandbox.services.context.jobs.wait(jobId)).toMatchObject({ state: 'done' });
    expect((await readFile(chosen)).subarray(257, 262).toString()).toBe('ustar');
    const elsewhere = join(sandbox.dir, 'not-chosen.tar');
    const refused = await call('jobs.pull', {
      connectionId,
      repository: 'jobs/small',
      reference: '1',
      format: 'docker',
      path: elsewhere,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    await expect(stat(elsewhere)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('cancels a running push (partial state cleaned up) and retries it to completion', async () => {
    const { jobId } = await ok('jobs.push', {
      connectionId,
      source: { path: bigArchive },
      target: { repository: 'jobs/big', tag: 'v1' },
      compression: 'none',
    });
    // Wait until bytes are moving, then cancel.
    for (let i = 0; i < 200; i++) {
      const job = sandbox.services.context.jobs.get(jobId)!;
      if (job.state === 'running' && (job.progress?.bytesDone ?? 0) > 0) break;
      if (job.state !== 'queued' && job.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await ok('jobs.cancel', { id: jobId });
    const cancelled = await sandbox.services.context.jobs.wait(jobId);
    expect(cancelled).toMatchObject({ state: 'cancelled', retryable: true });
    const tags = await call('registry.tags', { connectionId, repository: 'jobs/big' });
    // The manifest is written last: a cancelled push leaves no tag.
    expect(tags.ok ? tags.value : []).not.toContain('v1');

    const { jobId: retryId } = await ok('jobs.retry', { id: jobId });
    expect(retryId).not.toBe(jobId);
    expect(await sandbox.services.context.jobs.wait(retryId)).toMatchObject({ state: 'done' });
    expect(await ok('registry.tags', { connectionId, repository: 'jobs/big' })).toEqual(['v1']);
  });

  it('in bridge mode, refuses to read or write paths the page chooses', async () => {
    const web = await servicesInTempDir({ mode: 'bridge', prefix: 'lading-jobs-web-' });
    try {
      const pull = await dispatch(web.services.handlers, 'jobs.pull', {
        connectionId: 'any',
        repository: 'jobs/big',
        reference: 'v1',
        format: 'oci',
        path: join(sandbox.dir, 'x.tar'),
      });
      expect(pull).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      const push = await dispatch(web.services.handlers, 'jobs.push', {
        connectionId: 'any',
        source: { path: '/etc/passwd' },
        target: { repository: 'x', tag: 'y' },
      });
      expect(push).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      const inspect = await dispatch(web.services.handlers, 'archive.inspect', {
        source: { path: smallArchive },
      });
      expect(inspect).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    } finally {
      await web.dispose();
    }
  });

  it('in Electron mode, reads only archives picked in the open dialog or dropped on the window', async () => {
    const unchosen = join(sandbox.dir, 'unchosen.tar');
    await copyFile(smallArchive, unchosen);
    const refusal = {
      ok: false,
      error: {
        code: 'invalid-input',
        message: 'Lading reads only archives you picked in the file dialog or dropped on the window.',
      },
    };
    const push = () =>
      call('jobs.push', {
        connectionId,
        source: { path: unchosen },
        target: { repository: 'jobs/granted', tag: 'dropped' },
      });
    expect(await call('archive.inspect', { source: { path: unchosen } })).toMatchObject(refusal);
    expect(await push()).toMatchObject(refusal);
    // A path spelled differently is the same file only if it resolves to the granted path.
    expect(
      await call('archive.inspect', { source: { path: join(sandbox.dir, 'x', '..', 'unchosen.tar') } }),
    ).toMatchObject(refusal);
    expect(await ok('registry.tags', { connectionId, repository: 'jobs/granted' }).catch(() => [])).toEqual(
      [],
    );

    // What the shell does when the preload reports a trusted drop of this file.
    sandbox.services.context.readPaths.grant(unchosen);
    expect((await ok('archive.inspect', { source: { path: unchosen } })).images).toHaveLength(1);
    const pushed = await push();
    if (!pushed.ok) throw new Error(pushed.error.message);
    expect(await sandbox.services.context.jobs.wait(pushed.value.jobId)).toMatchObject({ state: 'done' });
    // The grant outlives one use: the dialog pushes each image of an archive, and a failed push is retried.
    expect((await call('archive.inspect', { source: { path: unchosen } })).ok).toBe(true);
  });

  it('cancels a pull and leaves no partial file', async () => {
    const { jobId } = await ok('jobs.pull', {
      connectionId,
      repository: 'jobs/big',
      reference: 'v1',
      format: 'oci',
    });
    for (let i = 0; i < 200; i++) {
      const job = sandbox.services.context.jobs.get(jobId)!;
      if ((job.progress?.bytesDone ?? 0) > 0 || job.state === 'done') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await ok('jobs.cancel', { id: jobId });
    const job = await sandbox.services.context.jobs.wait(jobId);
    const files = (await readdir(sandbox.services.context.downloadDir)).filter((f) => f.includes('big'));
    if (job.state === 'cancelled') {
      expect(files).toEqual([]);
      expect(sandbox.services.context.downloads.has(jobId)).toBe(false);
    } else {
      // The pull won the race; the file is complete.
      expect(job.state).toBe('done');
      const file = sandbox.services.context.downloads.get(jobId)!.path;
      expect((await stat(file)).size).toBeGreaterThan(48 * 1024 * 1024);
    }
  });

  it('pushes a file uploaded through the bridge and deletes the temp file afterwards', async () => {
    const res = await fetch(`${bridge.origin}/api/upload`, {
      method: 'POST',
      headers: {
        [BRIDGE_TOKEN_HEADER]: bridge.token,
        [BRIDGE_FILENAME_HEADER]: encodeURIComponent('dropped app.tar'),
      },
      body: await readFile(smallArchive),
    });
    const { value } = (await res.json()) as { value: { uploadId: string } };
    const summary = await ok('archive.inspect', { source: { uploadId: value.uploadId } });
    expect(summary).toMatchObject({ fileName: 'dropped app.tar', format: 'docker-legacy' });
    expect(summary.images[0]!.repoTags.join()).toMatch(/small:1/);
    const { jobId } = await ok('jobs.push', {
      connectionId,
      source: { uploadId: value.uploadId },
      target: { repository: 'jobs/uploaded', tag: 'latest' },
    });
    const job = await sandbox.services.context.jobs.wait(jobId);
    expect(job).toMatchObject({
      state: 'done',
      retryable: false,
      title: expect.stringContaining('dropped app.tar'),
    });
    expect(await readdir(sandbox.services.context.uploads.dir)).toEqual([]);
    const again = await call('archive.inspect', {
      source: { uploadId: value.uploadId },
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'file-error' } });
  });
});
