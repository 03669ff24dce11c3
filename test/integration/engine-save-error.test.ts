/**
 * A save the engine breaks off after it has answered 200 (moby appends its error to the tar stream as a
 * JSON line): the push reports what the engine said, not a broken archive. Against a stand-in engine on a
 * unix socket that sends part of a real docker archive (skopeo's) then the error, and a real registry; the
 * same stand-in sending the whole archive pushes it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../electron/core/engines/engine-client';
import { pushFromEngine } from '../../electron/core/engines/push-from-engine';
import { engineErrorIn } from '../../electron/core/engines/save-tail';
import { parseReference } from '../../electron/core/registry/reference';
import { closeGzipPool } from '../../electron/core/transfer/gzip-parallel';
import { writeArchive } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';
import { buildSampleImage, clientFor, tagsOf, tempDir } from './archive-fixtures';

const SAID =
  'failed to get layer sha256:0123: open /var/lib/docker/overlay2/x/diff: no such file or directory';
const errorLine = `${JSON.stringify({ errorDetail: { message: SAID }, error: SAID })}\r\n`;

describe('engineErrorIn', () => {
  it('finds the engine’s error line at the end of a tar, whole or cut short', () => {
    expect(engineErrorIn(`${'\0'.repeat(600)}tar bytes${errorLine}`)).toBe(SAID);
    expect(engineErrorIn(errorLine.slice(0, errorLine.indexOf('"error":')))).toBe(SAID);
    expect(engineErrorIn('{"errorDetail":{"mess')).toBeUndefined();
    expect(engineErrorIn('plain tar bytes {"error": "not an engine line"}')).toBeUndefined();
  });
});

describe('a save broken off by the engine', () => {
  let registry: TestRegistry;
  let archive: Buffer;
  let server: Server;
  let dir: string;
  /** What the stand-in's save sends: the archive's first `cut` bytes and the error line, or all of it. */
  let cut: number | undefined;

  beforeAll(async () => {
    registry = await startRegistry({ mode: 'open' });
    const file = join(await tempDir(), 'app.tar');
    await writeArchive(await buildSampleImage('save-error'), 'docker-archive', file, {
      refName: 'local/app:1',
    });
    archive = readFileSync(file);
    dir = mkdtempSync(join(tmpdir(), 'lading-save-error-'));
    server = createServer((req, res) => {
      res.setHeader('api-version', '1.41');
      const url = req.url ?? '';
      if (url === '/_ping') return res.end('OK');
      res.setHeader('content-type', 'application/json');
      if (url.endsWith('/version'))
        return res.end(
          JSON.stringify({ Version: '20.10.24', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64' }),
        );
      if (url.includes('/images/get')) {
        res.setHeader('content-type', 'application/x-tar');
        if (cut === undefined) return res.end(archive);
        res.write(archive.subarray(0, cut));
        return res.end(errorLine);
      }
      if (/\/images\/.+\/json/.test(url))
        return res.end(JSON.stringify({ Id: 'sha256:1', Os: 'linux', Architecture: 'amd64' }));
      res.statusCode = 404;
      res.end('{"message":"no such route"}');
    });
    await new Promise<void>((r) => server.listen(join(dir, 'docker.sock'), r));
  }, 60_000);

  afterAll(async () => {
    closeGzipPool();
    await new Promise((r) => server?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
    await registry?.stop();
  });

  const push = async (tag: string) => {
    const engine = await EngineClient.connect({
      kind: 'docker',
      socketPath: join(dir, 'docker.sock'),
      source: 'test',
    });
    try {
      return await pushFromEngine({
        engine,
        localImage: 'local/app:1',
        target: parseReference(`${registry.host}/broken/app:${tag}`),
        client: clientFor(registry),
        connection: { kind: 'generic', registry: registry.host },
      });
    } finally {
      await engine.close();
    }
  };

  it.each([
    ['inside a layer', () => Math.floor(archive.length * 0.6) + 7],
    ['where a tar header belongs', () => 1024],
  ])('cut %s: the engine’s words, no archive error, no tag', async (_what, at) => {
    cut = at();
    const error = await push('cut').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'server-error' });
    expect((error as Error).message).toBe(`The Docker engine stopped saving local/app:1: ${SAID}`);
    expect((error as { hint?: string }).hint).toMatch(/failed while exporting/);
    expect(await tagsOf(registry, 'broken/app')).not.toContain('cut');
  });

  it('the whole save pushes through the same path', async () => {
    cut = undefined;
    const outcome = await push('whole');
    expect(outcome.uploaded).toBe(2);
    expect(await tagsOf(registry, 'broken/app')).toContain('whole');
  });
});
