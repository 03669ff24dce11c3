/** The tag table's rows: filter, sort and digest grouping, pure so they can be tested with 10,000 tags. */
import type { TagDetail } from '../../shared/types';
import { matchesFilter } from './group';

export type TagSortKey = 'created' | 'name';

export interface TagRow {
  tag: string;
  detail?: TagDetail;
  /** How many tags (in the whole repository) point at this row's digest. */
  siblings: number;
  /** Position within a run of adjacent rows sharing a digest: lets the table draw a bracket. */
  groupPosition: 'single' | 'first' | 'middle' | 'last';
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Tags grouped by digest, for "these tags go together" in the delete dialog and the sibling counts. */
export function tagsByDigest(details: Map<string, TagDetail>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const d of details.values()) {
    const list = map.get(d.digest);
    if (list) list.push(d.tag);
    else map.set(d.digest, [d.tag]);
  }
  return map;
}

/**
 * Sorted by created date, newest first (tags whose details have not arrived go last, by name), ties kept
 * together by digest so tags of one image sit next to each other; or by name (natural order).
 */
export function buildTagRows(
  tags: string[],
  details: Map<string, TagDetail>,
  filter: string,
  sort: TagSortKey,
  descending = sort === 'created',
): TagRow[] {
  const byDigest = tagsByDigest(details);
  const matched = filter
    ? tags.filter((t) => {
        if (matchesFilter(t, filter)) return true;
        const digest = details.get(t)?.digest;
        return digest !== undefined && filter.length >= 4 && digest.replace('sha256:', '').startsWith(filter);
      })
    : tags.slice();

  const created = new Map<string, number>();
  for (const t of matched) {
    const c = details.get(t)?.created;
    const ms = c ? Date.parse(c) : Number.NaN;
    created.set(t, Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms);
  }
  const dir = descending ? -1 : 1;
  if (sort === 'name') {
    matched.sort((a, b) => dir * collator.compare(a, b));
  } else {
    matched.sort((a, b) => {
      const ca = created.get(a)!;
      const cb = created.get(b)!;
      if (ca !== cb) {
        if (ca === Number.NEGATIVE_INFINITY) return 1;
        if (cb === Number.NEGATIVE_INFINITY) return -1;
        return dir * (ca - cb);
      }
      const da = details.get(a)?.digest ?? '';
      const db = details.get(b)?.digest ?? '';
      if (da !== db) return da < db ? -1 : 1;
      return collator.compare(a, b);
    });
  }

  const rows: TagRow[] = matched.map((tag) => {
    const detail = details.get(tag);
    return {
      tag,
      detail,
      siblings: detail ? (byDigest.get(detail.digest)?.length ?? 1) : 1,
      groupPosition: 'single',
    };
  });
  for (let i = 0; i < rows.length; i++) {
    const digest = rows[i]!.detail?.digest;
    if (!digest) continue;
    const prev = rows[i - 1]?.detail?.digest === digest;
    const next = rows[i + 1]?.detail?.digest === digest;
    rows[i]!.groupPosition = prev && next ? 'middle' : prev ? 'last' : next ? 'first' : 'single';
  }
  return rows;
}

/** A stable hue for a digest, so a digest's colour is the same wherever it appears. */
export function digestHue(digest: string): number {
  let h = 0;
  for (let i = 7; i < Math.min(digest.length, 19); i++) h = (h * 31 + digest.charCodeAt(i)) % 360;
  return h;
}

/** Shift/Ctrl click semantics for a list of keys. */
export function clickSelection(
  order: string[],
  selection: Set<string>,
  anchor: string | null,
  key: string,
  mods: { shift: boolean; toggle: boolean },
): { selection: Set<string>; anchor: string } {
  if (mods.shift && anchor !== null) {
    const a = order.indexOf(anchor);
    const b = order.indexOf(key);
    if (a >= 0 && b >= 0) {
      const [from, to] = a < b ? [a, b] : [b, a];
      const next = mods.toggle ? new Set(selection) : new Set<string>();
      for (let i = from; i <= to; i++) next.add(order[i]!);
      return { selection: next, anchor };
    }
  }
  if (mods.toggle) {
    const next = new Set(selection);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    return { selection: next, anchor: key };
  }
  return { selection: new Set([key]), anchor: key };
}
