/**
 * The optional native deflater for parallel gzip: `@lading/isal-deflate` (electron/core/transfer/native/
 * isal-deflate), Intel ISA-L's igzip behind a small N-API addon, built from source when npm installs it
 * and only where ISA-L's headers are present (Debian/Ubuntu: libisal-dev). igzip deflates text about four
 * times faster than zlib level 1, at a ratio as good as zlib's level 1; on a machine without it, or where
 * the build failed, gzip-parallel uses zlib. LADING_NATIVE_GZIP=0 turns it off (for comparing).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface NativeDeflate {
  /**
   * Raw deflate of one block primed with `dict`, sync-flushed (or ending the stream when `last`), in
   * libuv's pool; level -1 frames it as stored blocks. Calls back with the output and the input's CRC-32.
   */
  deflateBlock(
    input: Buffer,
    dict: Buffer | undefined,
    level: number,
    last: boolean,
    callback: (error: Error | null, out: Buffer, crc: number) => void,
  ): void;
  /** Returns the C heap's free pages to the system (glibc malloc_trim). */
  trimMemory?(): void;
}

const PACKAGE = '@lading/isal-deflate';

let loaded: NativeDeflate | null | undefined;

/** The addon, or null when it is not installed (or turned off). Loaded once. */
export function nativeDeflate(): NativeDeflate | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.env.LADING_NATIVE_GZIP === '0') return loaded;
  // Bundles (the CLI, the Electron main process) have a `require` of their own that finds the package
  // next to the bundle; unbundled ESM (tsx, vitest) resolves from the working directory, the checkout.
  const load = typeof require === 'function' ? require : createRequire(join(process.cwd(), 'package.json'));
  try {
    const mod = load(PACKAGE) as Partial<NativeDeflate>;
    if (typeof mod.deflateBlock === 'function') loaded = mod as NativeDeflate;
  } catch {
    // Not built here: zlib it is.
  }
  return loaded;
}

/** `nativeDeflate().deflateBlock` as a promise of the output and the input's CRC-32. */
export function nativeDeflateBlock(
  native: NativeDeflate,
  input: Buffer,
  dict: Buffer | undefined,
  level: number,
  last: boolean,
): Promise<{ out: Buffer; crc: number }> {
  return new Promise((resolve, reject) =>
    native.deflateBlock(input, dict, level, last, (e, out, crc) => {
      if (e) reject(e);
      else if (!Buffer.isBuffer(out)) reject(new Error('the native deflater returned no output'));
      else resolve({ out, crc });
    }),
  );
}
