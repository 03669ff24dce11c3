'use strict';
/**
 * V8 settings for the CLI, a process that lives for a second, not for hours like the app's main process.
 *
 * undici parses HTTP with llhttp compiled to WebAssembly. V8 compiles it lazily with its baseline compiler
 * (Liftoff), then recompiles the hot functions with its optimizing compiler in background threads: ~35 ms
 * of CPU in every `lading` call that makes a request (a tenth of a 50-layer push, measured with perf), on
 * cores the registry or the compressor could use. Liftoff's code parses a few hundred responses, or the
 * framing of a 512 MiB pull, just as fast for us (measured: no slower pull). So the CLI turns the wasm
 * tier-up off. Set at run time, before undici compiles the module; these flags are read per compilation.
 *
 * V8 also keeps the heap tight for a long-lived page: with the CLI's ~12 MB heap it starts a full GC
 * whenever ~12 MB more has been promoted, which a transfer's stream of short-lived buffers does every few
 * tens of milliseconds: ~40 full GCs in a 512 MiB pull, ~20 in a push, each freeing almost nothing. Growing
 * the heap up to 5x before marking (read at each GC, so it can be set now) leaves 3-5 (the pull and push
 * 5-12% faster, peak RSS the same within ~15 MiB; the transfers' own GC rounds, transfer/memory.ts, keep the
 * buffers in check).
 */
const v8 = require('node:v8');

function tuneV8ForShortRun() {
  v8.setFlagsFromString('--no-wasm-dynamic-tiering');
  v8.setFlagsFromString('--no-wasm-tier-up');
  v8.setFlagsFromString('--heap-growing-percent=400');
}

module.exports = { tuneV8ForShortRun };
