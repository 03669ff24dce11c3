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
 */
const v8 = require('node:v8');

function tuneV8ForShortRun() {
  v8.setFlagsFromString('--no-wasm-dynamic-tiering');
  v8.setFlagsFromString('--no-wasm-tier-up');
}

module.exports = { tuneV8ForShortRun };
