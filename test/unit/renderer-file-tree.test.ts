import { describe, expect, it } from 'vitest';
import { buildTree, visibleItems } from '../../renderer/lib/file-tree';
import type { FileRowInfo } from '../../shared/files';

const row = (path: string, type: FileRowInfo['type'], size = 0): FileRowInfo => ({
  path,
  type,
  size,
  mode: '0644',
  uid: 0,
  gid: 0,
  layer: 1,
});

// Depth first, children sorted, as files.list sends them.
const rows = [
  row('/etc', 'directory'),
  row('/etc/a', 'file', 10),
  row('/etc/sub', 'directory'),
  row('/etc/sub/b', 'file', 5),
  row('/usr', 'directory'),
  row('/usr/c', 'file', 1),
];

describe('file tree', () => {
  it('adds up directory sizes', () => {
    const totals = Object.fromEntries(buildTree(rows).map((i) => [i.row.path, i.total]));
    expect(totals).toEqual({
      '/etc': 15,
      '/etc/a': 10,
      '/etc/sub': 5,
      '/etc/sub/b': 5,
      '/usr': 1,
      '/usr/c': 1,
    });
  });

  it('shows the expanded directories only, or every path matching the filter', () => {
    const tree = buildTree(rows);
    const paths = (items: ReturnType<typeof buildTree>) => items.map((i) => i.row.path);
    expect(paths(visibleItems(tree, new Set(), ''))).toEqual(['/etc', '/usr']);
    expect(paths(visibleItems(tree, new Set(['/etc']), ''))).toEqual(['/etc', '/etc/a', '/etc/sub', '/usr']);
    expect(paths(visibleItems(tree, new Set(['/etc/sub']), ''))).toEqual(['/etc', '/usr']);
    expect(paths(visibleItems(tree, new Set(), 'SUB/'))).toEqual(['/etc/sub/b']);
  });
});
