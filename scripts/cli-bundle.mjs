/**
 * esbuild options of the `lading` CLI bundle, shared by scripts/build.mjs (dist/cli.cjs) and bench/run.ts.
 * CommonJS, so bin/code-cache.cjs can compile it as a vm.Script and keep a V8 code cache of what a run
 * executed. `import.meta.url` (the bridge finds its renderer with it) becomes the bundle's own file URL.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @param {string} outfile @returns {import('esbuild').BuildOptions} */
export function cliBundleOptions(outfile) {
  return {
    bundle: true,
    platform: 'node',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
    // ws's optional native speed-ups; it falls back to JS when they are absent.
    external: ['bufferutil', 'utf-8-validate'],
    entryPoints: [join(root, 'electron/cli/main.ts')],
    outfile,
    format: 'cjs',
    target: 'node20',
    define: { 'import.meta.url': '__ladingBundleUrl' },
    metafile: true,
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
