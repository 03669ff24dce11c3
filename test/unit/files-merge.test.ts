/** core/files/merge.ts: the overlay rules on hand-made layer indexes (the real-image check is files.test.ts). */
import { describe, expect, it } from 'vitest';
import type { LayerEntry } from '../../electron/core/files/layer-index';
import { lookup, type MergedImage, mergeLayers, summarize, walk } from '../../electron/core/files/merge';

let ordinal = 0;
const e = (path: string, type: LayerEntry['type'] = 'file', size = 0): LayerEntry => ({
  path,
  type,
  size,
  mode: type === 'directory' ? 0o755 : 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  ordinal: ordinal++,
});

function paths(m: MergedImage): Record<string, number> {
  const out: Record<string, number> = {};
  walk(m.root, '', (n, p) => {
    if (p) out[p] = n.layer;
  });
  return out;
}

const changes = (m: MergedImage, layer: number) =>
  Object.fromEntries((m.changes[layer - 1] ?? []).map((c) => [c.path, c.change]));

describe('mergeLayers', () => {
  it('applies whiteouts to lower layers only, wherever they sit in the tar', () => {
    const m = mergeLayers([
      [e('a', 'directory'), e('a/x', 'file', 10), e('a/y', 'file', 5)],
      // The new a/x comes before the whiteout of the old one: it stays.
      [e('a', 'directory'), e('a/x', 'file', 3), e('a/x', 'whiteout'), e('a/y', 'whiteout')],
    ]);
    expect(paths(m)).toEqual({ a: 2, 'a/x': 2 });
    expect(changes(m, 2)).toEqual({ a: 'modified', 'a/x': 'modified', 'a/y': 'removed' });
    expect(summarize(m)).toMatchObject({ totalBytes: 18, finalBytes: 3, wastedBytes: 15 });
  });

  it('an opaque directory hides its lower children, not its own layer’s', () => {
    const m = mergeLayers([
      [e('d', 'directory'), e('d/old', 'file', 1), e('d/sub', 'directory'), e('d/sub/deep', 'file', 2)],
      [e('d/new', 'file', 1), e('d', 'opaque')],
    ]);
    expect(paths(m)).toEqual({ d: 1, 'd/new': 2 });
    expect(changes(m, 2)).toEqual({
      'd/new': 'added',
      'd/old': 'removed',
      'd/sub': 'removed',
      'd/sub/deep': 'removed',
    });
  });

  it('a file over a directory replaces the subtree; a directory over a directory keeps it', () => {
    const m = mergeLayers([
      [e('s', 'directory'), e('s/a', 'file', 4), e('k', 'directory'), e('k/b', 'file', 1)],
      [e('s', 'file', 2), e('k', 'directory')],
    ]);
    expect(paths(m)).toEqual({ s: 2, k: 2, 'k/b': 1 });
    expect(lookup(m.root, 's')?.entry.type).toBe('file');
    expect(changes(m, 2)).toEqual({ s: 'modified', 's/a': 'removed', k: 'modified' });
  });

  it('creates missing parents as extraction does, and counts a same-layer rewrite as wasted', () => {
    const m = mergeLayers([[e('x/y/z', 'file', 7), e('x/y/z', 'file', 9)]]);
    expect(paths(m)).toEqual({ x: 1, 'x/y': 1, 'x/y/z': 1 });
    expect(lookup(m.root, 'x')?.entry.mode).toBe(0o755);
    expect(summarize(m).largestWasted).toEqual([{ path: 'x/y/z', bytes: 7, layer: 1 }]);
  });
});

describe('normalisePath', () => {
  it('normalises what tools write and refuses a path out of the root', async () => {
    const { normalisePath } = await import('../../electron/core/files/layer-index');
    expect(normalisePath('a/b/', 't')).toBe('a/b');
    expect(normalisePath('./a//b/./c', 't')).toBe('a/b/c');
    expect(normalisePath('.bashrc', 't')).toBe('.bashrc');
    expect(normalisePath('a/../b', 't')).toBe('b');
    expect(normalisePath('./', 't')).toBeNull();
    expect(() => normalisePath('..', 't')).toThrow(/outside the root/);
    expect(() => normalisePath('a/../../etc', 't')).toThrow(/outside the root/);
  });
});
