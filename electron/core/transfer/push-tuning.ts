/**
 * The push's sizes and limits: PATCH size, streaming or chunked uploads, read-ahead, which layers count as
 * large or small. Each figure was measured against skopeo (README, "Speed and memory").
 */
import type { PushClient } from './push-options';
import { SLOT_SHARES } from './run-limited';

/**
 * PATCH size for layer uploads (the engine caps it at a registry's limit, 4 MiB on ghcr.io). Each PATCH
 * is a round trip the layer's upload waits on, so bigger is faster; the engine holds about two chunks per
 * layer in flight, so bigger also costs memory. 8 MiB was the best trade measured here.
 */
const UPLOAD_CHUNK = 8 * 1024 * 1024;

/** UPLOAD_CHUNK, or the client's own chunk size when that is smaller (a client set up for a picky registry). */
export function uploadChunk(client: PushClient): number {
  const own = (client as { chunkSize?: number }).chunkSize;
  return typeof own === 'number' && own > 0 ? Math.min(own, UPLOAD_CHUNK) : UPLOAD_CHUNK;
}

/**
 * Whether layers go up in one streaming PATCH each (the engine's `stream`): for a client with the default
 * chunk size or larger and no PATCH size cap. A client configured with small chunks (a picky registry, the
 * fault tests) keeps the chunked upload with its resume from the registry's offset.
 */
export function streamUploads(client: PushClient): boolean {
  const c = client as { chunkSize?: number; maxChunkSize?: number };
  return c.maxChunkSize === undefined && (c.chunkSize === undefined || c.chunkSize >= 16 * 1024 * 1024);
}

/** Compressed bytes buffered ahead of the upload engine per layer. */
export const READ_AHEAD = 8 * 1024 * 1024;

/**
 * How long a large layer's compressor may wait on a full read-ahead (the upload taking the bytes slower
 * than they are made, most of the time since the buffer filled) before the push counts as bound by the
 * link, not the CPU: every large layer may then compress at once, so that over a wide-area link every
 * layer's upload runs from the start (one stream each gets its share of the link). Measured on loopback: a
 * layer's compressor waited 0-215 ms in all, a sixth of its time at most; through the cdn profile it waited
 * nearly all the time once the buffer was full. Releasing the slot on a full buffer alone made the loopback
 * push slower and 20 MB larger (two layers compressing at once).
 */
export const LINK_BOUND_AFTER_MS = 150;

/**
 * A first ping of the registry (a new connection and GET /v2/) slower than this marks the push as bound by
 * the link from the start: a loopback registry answered in 11-15 ms on this busy machine, a
 * wide-area one in a round trip or more (62-120 ms through the cdn profile, ~20 ms each way). Without it
 * the second and third large layers started ~0.6 s late there, waiting for LINK_BOUND_AFTER_MS's evidence.
 */
export const FAR_PING_MS = 40;

/**
 * Read-ahead of a layer whose upload fell behind: the compressor refills it far faster than the link
 * drains it, so a small buffer keeps the stream fed and three layers in flight hold less memory.
 */
export const LINK_BOUND_READ_AHEAD = 2 * 1024 * 1024;

/** Layers above this size take a compression slot. */
export const LARGE_LAYER = 16 * 1024 * 1024;

/** Layers up to this size (as stored in the archive) are small: their upload is round trips, not bytes. */
const SMALL_LAYER = 1024 * 1024;

/**
 * How much of one `concurrency` slot a layer takes. A small layer is one or two requests whose time is the
 * registry's answer, not bandwidth or CPU, so ten of them share a slot: with the default 3, thirty small
 * layers are in flight (docker pushes 5 layers at once, skopeo 6, whatever their size). Over a wide-area
 * link each wave of them costs two round trips or more: through the cdn profile 30 small layers went up in
 * three waves with twelve in flight, in one with thirty (with the config's HEAD gone, 1.61 s became
 * 0.68-0.82 s). Large layers keep the plain limit.
 */
export function layerWeight(size: number): number {
  return size <= SMALL_LAYER ? 1 : SLOT_SHARES;
}
