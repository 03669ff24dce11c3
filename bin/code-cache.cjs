'use strict';
/**
 * Loads the bundled CLI (dist/cli.cjs) with a V8 code cache made AFTER a run, so it holds the bytecode of
 * every function that run compiled, not only the few V8 compiles eagerly.
 *
 * Why not Node's own compile cache (module.enableCompileCache): it is written right after the bundle is
 * compiled, before anything runs, so each call still compiles lazily every function it executes. For a
 * push of 50 small layers that was ~30 ms of a ~350 ms run; `lading --version` ~10 ms. A script that calls
 * `lading` in a loop pays it every time.
 *
 * One cache per subcommand (push, pull, tags, ...): each is written by that command's first run, so a
 * `--version` first does not leave push without its functions. The file name carries a hash of the bundle's
 * bytes and of Node's version and architecture (~2 ms), so a rebuilt bundle or another Node never meets an
 * old cache (V8 checks its own version and flags, but knows the source only by its length: a stale cache
 * of a same-length bundle would run the wrong bytecode); files of other bundles are removed when a new one
 * is written. The cache lives in the user's cache directory, private (mode 0700, and not used at all if
 * anyone else could write there: a code cache is code), and is written atomically (temp + rename).
 * Anything going wrong only means running without a cache. LADING_CODE_CACHE=0 turns it off.
 */
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** The per-user cache directory for Lading's code caches, or undefined when there is no usable home. */
function cacheDir(env = process.env) {
  if (env.LADING_CODE_CACHE === '0') return undefined;
  let base;
  if (process.platform === 'win32') base = env.LOCALAPPDATA;
  else if (process.platform === 'darwin') base = env.HOME && path.join(env.HOME, 'Library', 'Caches');
  else base = env.XDG_CACHE_HOME || (env.HOME && path.join(env.HOME, '.cache'));
  return base ? path.join(base, 'lading', 'code-cache') : undefined;
}

/**
 * A cache directory only this user can write: a code cache is code, so one that others could replace is
 * not loaded (nor written). Missing is fine (it is created private); Windows has no such mode bits.
 */
function trusted(dir) {
  if (typeof process.getuid !== 'function') return true;
  try {
    const st = fs.statSync(dir);
    return st.isDirectory() && st.uid === process.getuid() && (st.mode & 0o022) === 0;
  } catch (e) {
    return e.code === 'ENOENT';
  }
}

/** The subcommand named on the command line (the first argument not starting with "-"), for the file name. */
function commandOf(argv) {
  const first = argv.find((a) => !a.startsWith('-'));
  return first && /^[a-z][a-z0-9-]{0,31}$/.test(first) ? first : 'none';
}

/** The bundle's content with Node's version and architecture: a cache made for anything else never loads. */
function bundleKey(bytes) {
  return createHash('sha256')
    .update(`${process.version}\0${process.arch}\0`)
    .update(bytes)
    .digest('hex')
    .slice(0, 16);
}

function readCache(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Writes the cache atomically and drops the caches of other bundles. Never throws. `data` is only made
 * (a few ms of serializing) once the directory is there: a read-only home costs nothing per run.
 */
function writeCache(dir, name, key, data) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, data(), { mode: 0o600 });
    fs.renameSync(tmp, path.join(dir, name));
    for (const other of fs.readdirSync(dir)) {
      if (other.startsWith('cli-') && !other.startsWith(`cli-${key}-`))
        fs.rmSync(path.join(dir, other), { force: true });
    }
  } catch {
    // A cache we cannot write only means compiling next time too.
  }
}

/**
 * Runs the CommonJS bundle at `file` like `require` would and returns its exports, compiled from the code
 * cache for `argv`'s subcommand when there is a valid one; otherwise writes one when the process exits.
 * `onCache` (for tests) hears whether a cache was used.
 */
function loadBundle(file, argv, opts = {}) {
  const env = opts.env ?? process.env;
  const bytes = fs.readFileSync(file);
  const source = bytes.toString('utf8');
  const found = cacheDir(env);
  const dir = found && trusted(found) ? found : undefined;
  let name;
  let key;
  let cachedData;
  if (dir) {
    key = bundleKey(bytes);
    name = `cli-${key}-${commandOf(argv)}.bin`;
    cachedData = readCache(path.join(dir, name));
  }
  // No importModuleDynamically (Node calls its main-context loader experimental, with a warning): the
  // bundle must not call import() at run time, which scripts/cli-bundle.mjs checks when it is built.
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const used = cachedData !== undefined && !script.cachedDataRejected;
  opts.onCache?.(used ? 'used' : dir ? 'made' : 'off');
  if (dir && !used) {
    // At exit, everything this run executed has been compiled: that is what the next run needs.
    process.once('exit', () => writeCache(dir, name, key, () => script.createCachedData()));
  }
  const mod = { exports: {} };
  const wrapper = script.runInThisContext();
  wrapper.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  return mod.exports;
}

module.exports = { loadBundle, cacheDir, commandOf };
