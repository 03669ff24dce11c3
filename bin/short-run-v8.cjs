'use strict';
/**
 * V8 settings for a process that lives a second: no WebAssembly tier-up (recompiling undici's llhttp cost
 * ~35 ms of CPU per call) and a heap that grows 5x before a full GC (a transfer's short-lived buffers set off
 * dozens of useless full GCs). The measurements are in the README's speed section.
 */
const v8 = require('node:v8');

function tuneV8ForShortRun() {
  v8.setFlagsFromString('--no-wasm-dynamic-tiering');
  v8.setFlagsFromString('--no-wasm-tier-up');
  v8.setFlagsFromString('--heap-growing-percent=400');
}

module.exports = { tuneV8ForShortRun };
