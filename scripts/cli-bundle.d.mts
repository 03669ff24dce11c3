import type { BuildOptions, BuildResult } from 'esbuild';

/** esbuild options of the `lading` CLI bundle (scripts/cli-bundle.mjs). */
export function cliBundleOptions(outfile: string): BuildOptions;

/** Throws when the bundle calls import() at run time (the CLI loader cannot serve it). */
export function checkNoRuntimeImports(result: BuildResult): void;

/** What every Node bundle shares (scripts/build.mjs). */
export const nodeBundleCommon: BuildOptions;

/** Builds the `lading` command as installed under `dir` (bin/ beside dist/cli.cjs); returns the launcher. */
export function buildInstalledCli(dir: string): Promise<string>;
