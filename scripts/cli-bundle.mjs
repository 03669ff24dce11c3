/**
 * esbuild options of the Node bundles (scripts/build.mjs) and of the `lading` CLI bundle in particular,
 * shared with bench/run.ts and the installed-command test. The CLI bundle is CommonJS, so bin/code-cache.cjs
 * can compile it as a vm.Script and keep a V8 code cache of what a run executed. `import.meta.url` (the
 * bridge finds its renderer with it) becomes the bundle's own file URL.
 */
import { cp, mkdir, readFile } from 'node:fs/promises';
import { constants as http2Constants } from 'node:http2';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * undici's HTTP/2 client requires node:http2 when it loads, which loads tls too: ~7 ms of every `lading`
 * call (a tenth of `lading --version`), though Lading never speaks HTTP/2 to a registry (undici's `allowH2`
 * is off). In the CLI bundle that require becomes an object with http2's constants (taken from the Node
 * that builds; they are protocol numbers and header names) whose `connect` loads node:http2 when called.
 * If undici changes that line, the build says so and the bundle simply keeps the eager require.
 */
const lazyHttp2 = {
  name: 'lading-lazy-http2',
  setup(build) {
    build.onLoad({ filter: /undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = "http2 = require('node:http2')";
      if (!source.includes(eager)) {
        return {
          contents: source,
          loader: 'js',
          warnings: [
            {
              text: 'undici no longer requires node:http2 as expected; it stays eager (scripts/cli-bundle.mjs)',
            },
          ],
        };
      }
      const shim = `http2 = { constants: ${JSON.stringify(http2Constants)}, connect: (...a) => require('node:http2').connect(...a) }`;
      return { contents: source.replace(eager, shim), loader: 'js' };
    });
  },
};

/** What every Node bundle (Electron main, preload, CLI, bridge) shares. */
export const nodeBundleCommon = {
  bundle: true,
  platform: 'node',
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  // ws's optional native speed-ups; it falls back to JS when they are absent.
  external: ['bufferutil', 'utf-8-validate'],
};

/** @param {string} outfile @returns {import('esbuild').BuildOptions} */
export function cliBundleOptions(outfile) {
  return {
    ...nodeBundleCommon,
    entryPoints: [join(root, 'electron/app/cli/main.ts')],
    outfile,
    format: 'cjs',
    target: 'node20',
    define: { 'import.meta.url': '__ladingBundleUrl' },
    metafile: true,
    plugins: [lazyHttp2],
    banner: { js: "const __ladingBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  };
}

/**
 * Fails when the bundle would call import() at run time (esbuild leaves `import('node:…')` of a built-in
 * as it is): bin/code-cache.cjs runs the bundle as a vm.Script, where import() throws. Import built-ins
 * statically instead.
 * @param {import('esbuild').BuildResult} result
 */
export function checkNoRuntimeImports(result) {
  for (const [file, out] of Object.entries(result.metafile?.outputs ?? {})) {
    const dynamic = out.imports.filter((i) => i.kind === 'dynamic-import' && i.external).map((i) => i.path);
    if (dynamic.length > 0) {
      throw new Error(`${file} calls import() at run time (${dynamic.join(', ')}); use a static import.`);
    }
  }
}

/**
 * The `lading` command as installed, under `dir`: bin/ (the launcher and its helpers) beside dist/cli.cjs.
 * Returns the launcher's path. The bench and the installed-command test run exactly what users run.
 * @param {string} dir
 */
export async function buildInstalledCli(dir) {
  await mkdir(join(dir, 'bin'), { recursive: true });
  await cp(join(root, 'bin'), join(dir, 'bin'), { recursive: true });
  checkNoRuntimeImports(
    await build({ ...cliBundleOptions(join(dir, 'dist', 'cli.cjs')), logLevel: 'error' }),
  );
  return join(dir, 'bin', 'lading.mjs');
}
