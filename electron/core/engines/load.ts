/**
 * POST /images/load: a docker-load tar streamed in, the engine's answer read to the end. Docker streams
 * JSON lines (`{"stream":"Loaded image: n:t\n"}`, errors in-stream under a 200 as `{"error",...}`); Podman
 * answers once (`Loaded image: a,b`, errors as a 500).
 */
import type { Readable } from 'node:stream';
import { LadingError } from '../registry/errors';
import type { EngineClient } from './engine-client';

/** The names (or `sha256:…` ids) the engine says it loaded. */
export async function loadArchive(
  engine: EngineClient,
  tar: Readable,
  signal?: AbortSignal,
): Promise<string[]> {
  let r: Awaited<ReturnType<EngineClient['call']>>;
  try {
    // quiet absent means quiet on Docker, which then hides the errors' details: ask for the stream.
    r = await engine.call('POST', '/images/load', {
      query: { quiet: '0' },
      body: tar,
      headers: { 'content-type': 'application/x-tar' },
      signal,
      long: true,
    });
  } finally {
    if (signal?.aborted) tar.destroy();
  }
  if (r.status !== 200) throw await engine.failure(r, 'the image archive (load)');
  const text = await r.body.text();
  const loaded: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let msg: { stream?: unknown; error?: unknown; errorDetail?: { message?: unknown } };
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    const error = msg.errorDetail?.message ?? msg.error;
    if (typeof error === 'string')
      throw new LadingError('server-error', `The ${engine.label} engine could not load the image: ${error}`, {
        hint: "Check the engine's log; the archive Lading sent was verified against the registry.",
      });
    if (typeof msg.stream !== 'string') continue;
    const m = /Loaded image(?: ID)?: (.+)/.exec(msg.stream);
    if (m)
      loaded.push(
        ...(m[1] as string)
          .trim()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
  }
  return loaded;
}
