/**
 * The merged filesystem of an image, as an overlay extraction would leave it: each layer's whiteouts
 * (`.wh.NAME`, `.wh..wh..opq`) remove from the layers below only, whatever their place in the tar; then its
 * entries are written over what is there (a non-directory over a directory replaces the whole subtree, a
 * directory over a directory keeps its children). Along the way: what each layer added, modified and
 * removed, and every file copy that a later layer overwrote or removed (dive's wasted space).
 */
import type { EntryType, LayerEntry } from './layer-index';

export interface FsNode {
  name: string;
  entry: LayerEntry & { type: EntryType };
  /** 1-based layer that last wrote the entry (0 for the root). */
  layer: number;
  children?: Map<string, FsNode>;
}

export type ChangeKind = 'added' | 'modified' | 'removed';

export interface LayerChange {
  path: string;
  change: ChangeKind;
  /** The entry written, or for `removed` the one that went. */
  entry: LayerEntry & { type: EntryType };
  /** The layer that wrote `entry`. */
  layer: number;
}

export interface WastedCopy {
  path: string;
  bytes: number;
  /** The layer whose copy was overwritten or removed. */
  layer: number;
}

export interface MergedImage {
  root: FsNode;
  /** Per layer (index 0 = layer 1), in no particular order. */
  changes: LayerChange[][];
  wasted: WastedCopy[];
  /** Bytes of regular files in every layer. */
  totalBytes: number;
}

const ROOT_ENTRY = {
  path: '',
  type: 'directory',
  size: 0,
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtime: 0,
  ordinal: -1,
} as const;

function newDir(name: string, path: string, layer: number): FsNode {
  return {
    name,
    layer,
    entry: { ...ROOT_ENTRY, path, ordinal: -1 },
    children: new Map(),
  };
}

/** Calls fn for node and every node below it, with their paths. */
export function walk(node: FsNode, path: string, fn: (n: FsNode, path: string) => void): void {
  fn(node, path);
  for (const child of node.children?.values() ?? [])
    walk(child, path ? `${path}/${child.name}` : child.name, fn);
}

export function lookup(root: FsNode, path: string): FsNode | undefined {
  let node: FsNode | undefined = root;
  for (const part of path ? path.split('/') : []) {
    node = node?.children?.get(part);
    if (!node) return undefined;
  }
  return node;
}

/** `changes: false` leaves `changes` empty (a listing without a layer's changes does not hold them). */
export function mergeLayers(layers: LayerEntry[][], opts: { changes?: boolean } = {}): MergedImage {
  const root = newDir('', '', 0);
  const wasted: WastedCopy[] = [];
  const changes: LayerChange[][] = [];
  let totalBytes = 0;

  for (const [i, entries] of layers.entries()) {
    const layer = i + 1;
    const changed = new Map<string, LayerChange>();
    let lastDirPath: string | undefined;
    let lastDir: FsNode = root;
    /** What this layer's whiteouts and replacements took away, by path; re-added paths become "modified". */
    const removed = new Map<string, LayerChange>();
    const drop = (node: FsNode, path: string) => {
      lastDirPath = undefined; // the cached parent may be inside what goes
      walk(node, path, (n, p) => {
        if (n.entry.type === 'file' && n.entry.size > 0)
          wasted.push({ path: p, bytes: n.entry.size, layer: n.layer });
        const was = changed.get(p);
        changed.delete(p);
        // What this very layer added and then replaced was never there before it.
        if (was?.change !== 'added')
          removed.set(p, { path: p, change: 'removed', entry: n.entry, layer: n.layer });
      });
    };

    for (const e of entries) {
      if (e.type !== 'whiteout' && e.type !== 'opaque') continue;
      const node = lookup(root, e.path);
      if (!node) continue;
      if (e.type === 'whiteout') {
        const slash = e.path.lastIndexOf('/');
        lookup(root, e.path.slice(0, Math.max(0, slash)))?.children?.delete(node.name);
        drop(node, e.path);
      } else if (node.children) {
        for (const child of node.children.values()) drop(child, `${e.path}/${child.name}`);
        node.children.clear();
      }
    }

    // Tar entries come grouped by directory: the last parent found is tried first.
    const parentOf = (dirPath: string): FsNode => {
      if (dirPath === lastDirPath) return lastDir;
      let parent = root;
      let parentPath = '';
      for (const part of dirPath ? dirPath.split('/') : []) {
        parentPath = parentPath ? `${parentPath}/${part}` : part;
        let next = parent.children?.get(part);
        if (!next?.children) {
          // A missing parent is created as extraction would (0755); a non-directory in the way is replaced.
          if (next) drop(next, parentPath);
          next = newDir(part, parentPath, layer);
          parent.children?.set(part, next);
          const back = removed.get(parentPath);
          removed.delete(parentPath);
          changed.set(parentPath, {
            path: parentPath,
            change: back ? 'modified' : 'added',
            entry: next.entry,
            layer,
          });
        }
        parent = next;
      }
      lastDirPath = dirPath;
      lastDir = parent;
      return parent;
    };

    for (const e of entries) {
      if (e.type === 'whiteout' || e.type === 'opaque') continue;
      const entry = e as LayerEntry & { type: EntryType };
      if (entry.type === 'file') totalBytes += entry.size;
      const slash = entry.path.lastIndexOf('/');
      const name = slash === -1 ? entry.path : entry.path.slice(slash + 1);
      const parent = parentOf(slash === -1 ? '' : entry.path.slice(0, slash));
      const existing = parent.children?.get(name);
      let kind: ChangeKind = 'added';
      if (existing) {
        kind = changed.get(entry.path)?.change ?? 'modified';
        if (existing.entry.type === 'file' && existing.entry.size > 0)
          wasted.push({ path: entry.path, bytes: existing.entry.size, layer: existing.layer });
      } else if (removed.has(entry.path)) {
        kind = 'modified';
        removed.delete(entry.path);
      }
      if (existing && entry.type === 'directory' && existing.children) {
        // A directory over a directory keeps its children (and its node, which the parent cache may hold).
        existing.entry = entry;
        existing.layer = layer;
      } else {
        if (existing)
          for (const child of existing.children?.values() ?? []) drop(child, `${entry.path}/${child.name}`);
        const node: FsNode = { name, entry, layer };
        if (entry.type === 'directory') node.children = new Map();
        parent.children?.set(name, node);
      }
      changed.set(entry.path, { path: entry.path, change: kind, entry, layer });
    }
    // Sorted only when a layer's changes are listed (listFiles), not for every merge.
    changes.push(opts.changes === false ? [] : [...changed.values(), ...removed.values()]);
  }
  return { root, changes, wasted, totalBytes };
}

export interface FilesSummary {
  files: number;
  directories: number;
  totalBytes: number;
  finalBytes: number;
  wastedBytes: number;
  efficiency: number;
  largestWasted: WastedCopy[];
}

/** dive's figures: `files` counts every non-directory entry, bytes are regular files' sizes. */
export function summarize(merged: MergedImage, top = 20): FilesSummary {
  let files = 0;
  let directories = 0;
  let finalBytes = 0;
  walk(merged.root, '', (n, p) => {
    if (p === '') return;
    if (n.entry.type === 'directory') directories++;
    else files++;
    if (n.entry.type === 'file') finalBytes += n.entry.size;
  });
  const largestWasted = [...merged.wasted]
    .sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1))
    .slice(0, top);
  const wastedBytes = merged.totalBytes - finalBytes;
  return {
    files,
    directories,
    totalBytes: merged.totalBytes,
    finalBytes,
    wastedBytes,
    efficiency: merged.totalBytes === 0 ? 1 : finalBytes / merged.totalBytes,
    largestWasted,
  };
}
