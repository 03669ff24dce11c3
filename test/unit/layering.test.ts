/**
 * The dependency rule of docs/architecture.md, checked on every import in the tree:
 * core → core, shared; app → app, core, shared; shell → anything but the renderer; shared → shared;
 * renderer → renderer, shared. Only electron/shell/ imports Electron, and nothing imports electron/shell/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

type Layer = 'core' | 'app' | 'shell' | 'shared' | 'renderer';

const ALLOWED: Record<Layer, Layer[]> = {
  core: ['core', 'shared'],
  app: ['app', 'core', 'shared'],
  shell: ['shell', 'app', 'core', 'shared'],
  shared: ['shared'],
  renderer: ['renderer', 'shared'],
};

function layerOf(rel: string): Layer | undefined {
  if (rel.startsWith('electron/core/')) return 'core';
  if (rel.startsWith('electron/app/')) return 'app';
  if (rel.startsWith('electron/shell/')) return 'shell';
  if (rel.startsWith('shared/')) return 'shared';
  if (rel.startsWith('renderer/')) return 'renderer';
  return undefined;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'build') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx|mts|cts)$/.test(entry) && !/\.test\.tsx?$/.test(entry)) out.push(path);
  }
  return out;
}

// Static imports, re-exports, dynamic import() and require(), type-only ones included.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => m[1] ?? '');
}

interface Violation {
  file: string;
  specifier: string;
  why: string;
}

function violations(): Violation[] {
  const found: Violation[] = [];
  const files = ['electron', 'shared', 'renderer'].flatMap((d) => sources(join(ROOT, d)));
  for (const file of files) {
    const rel = relative(ROOT, file);
    const from = layerOf(rel);
    if (!from) continue;
    for (const specifier of importsOf(file)) {
      if (specifier === 'electron' || specifier.startsWith('electron/')) {
        if (from !== 'shell')
          found.push({ file: rel, specifier, why: 'only electron/shell/ imports Electron' });
        continue;
      }
      if (!specifier.startsWith('.')) continue;
      const target = relative(ROOT, resolve(dirname(file), specifier));
      const to = layerOf(`${target}/`) ?? layerOf(target);
      // The app reads its own version from package.json.
      if (target === 'package.json' && from === 'app') continue;
      if (!to) {
        found.push({ file: rel, specifier, why: 'imports from outside electron/, shared/ and renderer/' });
      } else if (to === 'shell' && from !== 'shell') {
        found.push({ file: rel, specifier, why: 'nothing imports electron/shell/' });
      } else if (!ALLOWED[from].includes(to)) {
        found.push({ file: rel, specifier, why: `${from} may import only ${ALLOWED[from].join(', ')}` });
      }
    }
  }
  return found;
}

describe('the dependency rule', () => {
  it('holds for every import in electron/, shared/ and renderer/', () => {
    expect(violations()).toEqual([]);
  });

  it('sees the imports it checks (a rule that matches nothing proves nothing)', () => {
    const core = sources(join(ROOT, 'electron/core'));
    expect(core.length).toBeGreaterThan(50);
    expect(
      importsOf(join(ROOT, 'electron/core/transfer/push-layer.ts')).some((s) => s.includes('registry/')),
    ).toBe(true);
    expect(layerOf('electron/app/cli/main.ts')).toBe('app');
  });
});
