/**
 * The Files tab's tree over `files.list` rows (depth first, children sorted, as the main side sends them):
 * each directory's total size, and the rows to show for the expanded directories or a path filter.
 */
import type { FileRowInfo } from '../../shared/files';

export interface TreeItem {
  row: FileRowInfo;
  name: string;
  depth: number;
  /** A directory's bytes with everything below it; a file's own size. */
  total: number;
}

export function buildTree(rows: FileRowInfo[]): TreeItem[] {
  const items: TreeItem[] = rows.map((row) => {
    const parts = row.path.split('/').filter(Boolean);
    return { row, name: parts.at(-1) ?? '/', depth: Math.max(0, parts.length - 1), total: row.size };
  });
  // Depth-first order: the directories above a row are the open ones on a stack.
  const stack: TreeItem[] = [];
  for (const item of items) {
    while (stack.length > item.depth) stack.pop();
    for (const dir of stack) dir.total += item.row.size;
    if (item.row.type === 'directory') stack.push(item);
  }
  return items;
}

/** With a filter: every row whose path contains it (case-insensitive); else the expanded directories' rows. */
export function visibleItems(items: TreeItem[], expanded: ReadonlySet<string>, filter: string): TreeItem[] {
  const needle = filter.trim().toLowerCase();
  if (needle) return items.filter((i) => i.row.path.toLowerCase().includes(needle));
  const out: TreeItem[] = [];
  let hiddenBelow = Number.POSITIVE_INFINITY;
  for (const item of items) {
    if (item.depth > hiddenBelow) continue;
    hiddenBelow = Number.POSITIVE_INFINITY;
    out.push(item);
    if (item.row.type === 'directory' && !expanded.has(item.row.path)) hiddenBelow = item.depth;
  }
  return out;
}
