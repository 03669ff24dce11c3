/**
 * The prune planner: from a snapshot of a repository (tags → digests → manifests, created dates, blobs)
 * and the rules, every action with its reason, what is kept and why, and the bytes that become
 * unreferenced. Pure: the preview and the run plan with the same function.
 */
import { isReferrerTag, referrerTagsFor } from './copy';
import type { PruneRules } from './prune-rules';

export interface SnapshotManifest {
  mediaType: string;
  /** The image config's `created`, or an index's `org.opencontainers.image.created` annotation. */
  created?: string;
  /** An index's children (digests). */
  children: string[];
  /** An image's config and layers. */
  blobs: Array<{ digest: string; size: number }>;
}

export interface PruneSnapshot {
  repository: string;
  /** tag → manifest digest, every tag of the repository (referrer tags too). */
  tags: Record<string, string>;
  /** Every manifest the tags reach, their children and their referrers, by digest. */
  manifests: Record<string, SnapshotManifest>;
  /**
   * GitHub hosts: every active package version by digest, untagged ones too (a manifest goes as its
   * version; the push date is the date of last resort).
   */
  versions?: Record<string, { id: number; createdAt: string; tags: string[] }>;
}

export type PruneActionKind = 'delete-tag' | 'delete-manifest' | 'delete-version';

export interface PruneAction {
  action: PruneActionKind;
  /** delete-tag: the tag; delete-manifest: its first tag, absent for an untagged manifest. */
  tag?: string;
  /** delete-manifest: every tag that goes with the manifest. */
  tags?: string[];
  digest: string;
  /** delete-version: the GitHub package version. */
  versionId?: number;
  created: string | null;
  reason: string;
}

export interface PruneKeep {
  tag?: string;
  digest: string;
  reason: string;
}

export interface PrunePlan {
  repository: string;
  plan: PruneAction[];
  keep: PruneKeep[];
  /** Config and layer bytes of deleted manifests that no remaining manifest references. */
  reclaimableBytes: number;
  /** What the plan cannot cover (e.g. untagged manifests a generic registry does not list). */
  notes: string[];
}

const short = (digest: string) => digest.slice(0, 19);

/** An image's date: its own, else (an index) its newest child's, else (GitHub) its push date. */
function createdOf(snapshot: PruneSnapshot, digest: string, depth = 0): string | undefined {
  const m = snapshot.manifests[digest];
  if (m?.created && !Number.isNaN(Date.parse(m.created))) return m.created;
  let newest: string | undefined;
  if (m && depth <= 2) {
    for (const c of m.children) {
      const d = createdOf(snapshot, c, depth + 1);
      if (d && (!newest || Date.parse(d) > Date.parse(newest))) newest = d;
    }
  }
  return newest ?? snapshot.versions?.[digest]?.createdAt;
}

/** Referrer tags by the subject part of their name (`sha256-HEX`), so each lookup scans only its own. */
function referrerIndex(referrerTags: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of referrerTags) {
    const base = t.slice(0, 'sha256-'.length + 64);
    const list = out.get(base);
    if (list) list.push(t);
    else out.set(base, [t]);
  }
  return out;
}

/** The digests of a digest's referrer tags (`sha256-HEX[.sig|.att|.sbom]`), with the tags. */
function referrersOf(
  snapshot: PruneSnapshot,
  index: Map<string, string[]>,
  digest: string,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of referrerTagsFor(index.get(digest.replace(':', '-')) ?? [], digest)) {
    const d = snapshot.tags[t] as string;
    out.set(d, [...(out.get(d) ?? []), t]);
  }
  return out;
}

const byAge = (a: { created?: string; digest: string }, b: { created?: string; digest: string }) => {
  // Newest first; no date last; the digest breaks ties so the plan is the same every time.
  const ta = a.created ? Date.parse(a.created) : Number.NEGATIVE_INFINITY;
  const tb = b.created ? Date.parse(b.created) : Number.NEGATIVE_INFINITY;
  return tb - ta || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
};

export function planPrune(snapshot: PruneSnapshot, rules: PruneRules, now: Date = new Date()): PrunePlan {
  const allTags = Object.keys(snapshot.tags).sort();
  const referrerTags = allTags.filter(isReferrerTag);
  const byReferrerSubject = referrerIndex(referrerTags);
  const named = allTags.filter((t) => !isReferrerTag(t));
  const considered = named.filter((t) => !rules.match || rules.match.test(t));
  const keep: PruneKeep[] = [];
  const tagsOf = new Map<string, string[]>();
  for (const t of named) {
    const d = snapshot.tags[t] as string;
    const list = tagsOf.get(d);
    if (list) list.push(t);
    else tagsOf.set(d, [t]);
  }

  // Maps rather than scans: a repository may have tens of thousands of CI tags.
  const consideredSet = new Set(considered);
  const consideredOf = new Map<string, string[]>();
  for (const t of considered) {
    const d = snapshot.tags[t] as string;
    const list = consideredOf.get(d);
    if (list) list.push(t);
    else consideredOf.set(d, [t]);
  }
  // Images among the considered tags, newest first.
  const images = [...new Set(considered.map((t) => snapshot.tags[t] as string))]
    .map((digest) => ({ digest, created: createdOf(snapshot, digest) }))
    .sort(byAge);
  const dated = images.filter((i) => i.created);
  const newest = new Set(
    rules.keepLast === undefined ? [] : dated.slice(0, rules.keepLast).map((i) => i.digest),
  );
  const cutoff = rules.olderThanMs === undefined ? undefined : now.getTime() - rules.olderThanMs;

  // Why an image is kept (undefined: it may go). The rules are independent: any one keeps it.
  const keptWhy = new Map<string, string>();
  for (const img of images) {
    const own = consideredOf.get(img.digest) ?? [];
    const byKeep = own.find((t) => rules.keep.some((k) => k.test(t)));
    const pattern = byKeep === undefined ? undefined : rules.keep.find((k) => k.test(byKeep));
    let why: string | undefined;
    if (byKeep !== undefined) why = `tag ${byKeep} matches --keep ${pattern?.source}`;
    else if (newest.has(img.digest)) why = `one of the ${rules.keepLast} newest images (--keep-last)`;
    else if (!img.created && (rules.keepLast !== undefined || cutoff !== undefined))
      why = 'no created date to rank or age it by';
    else if (cutoff !== undefined && img.created && Date.parse(img.created) > cutoff)
      why = `created ${img.created}, within --older-than ${rules.olderThan}`;
    if (why) keptWhy.set(img.digest, why);
  }

  // What stays: tags not considered, every tag of a kept image; and what those need.
  const staying = new Set<string>();
  for (const t of named) {
    const d = snapshot.tags[t] as string;
    if (!consideredSet.has(t)) {
      staying.add(d);
      keep.push({ tag: t, digest: d, reason: 'not matched by --match' });
    } else if (keptWhy.has(d)) {
      staying.add(d);
      keep.push({ tag: t, digest: d, reason: keptWhy.get(d) as string });
    }
  }
  const needed = new Map<string, string>(); // digest → why it must stay
  const need = (digest: string, why: string, depth = 0) => {
    if (needed.has(digest) || depth > 4) return;
    needed.set(digest, why);
    for (const c of snapshot.manifests[digest]?.children ?? [])
      need(c, `platform image of kept index ${short(digest)}`, depth + 1);
    for (const [r] of referrersOf(snapshot, byReferrerSubject, digest))
      need(r, `referrer of kept image ${short(digest)}`, depth + 1);
  };
  for (const d of staying) need(d, 'kept');

  // Tags that go: alone when their manifest stays, else with it.
  const tagActions: PruneAction[] = [];
  const doomed: Array<{ digest: string; created?: string; tags: string[]; reason: string }> = [];
  for (const img of [...images].reverse()) {
    if (keptWhy.has(img.digest)) continue;
    const going = consideredOf.get(img.digest) ?? [];
    const reason = notKeptReason(rules, img.created);
    const stayingTag = (tagsOf.get(img.digest) ?? []).find((t) => !going.includes(t));
    const created = img.created ?? null;
    if (stayingTag || needed.has(img.digest)) {
      const why = stayingTag
        ? `its image stays under tag ${stayingTag}`
        : `its manifest stays: ${needed.get(img.digest)}`;
      for (const t of going)
        tagActions.push({
          action: 'delete-tag',
          tag: t,
          digest: img.digest,
          created,
          reason: `${reason}; ${why}`,
        });
    } else {
      doomed.push({ digest: img.digest, created: img.created, tags: going, reason });
    }
  }

  // Manifests that go, oldest first: each with its referrers before it and its children after it.
  const manifestActions: PruneAction[] = [];
  const deleted = new Set<string>();
  const remove = (digest: string, tags: string[], reason: string, depth = 0) => {
    if (deleted.has(digest) || needed.has(digest) || !snapshot.manifests[digest] || depth > 4) return;
    deleted.add(digest);
    const created = createdOf(snapshot, digest) ?? null;
    for (const [r, rTags] of referrersOf(snapshot, byReferrerSubject, digest)) {
      if (rules.keepReferrers) {
        need(r, `referrer of deleted ${short(digest)} (--keep-referrers)`);
        for (const t of rTags) keep.push({ tag: t, digest: r, reason: needed.get(r) as string });
      } else remove(r, rTags, `referrer of deleted ${short(digest)}`, depth + 1);
    }
    // A doomed image reached first as another's child or referrer still lists the tags it takes along.
    if (!tags.length) tags = doomedTags.get(digest) ?? [];
    const version = snapshot.versions?.[digest];
    manifestActions.push({
      action: version ? 'delete-version' : 'delete-manifest',
      ...(tags.length ? { tag: tags[0], tags } : {}),
      digest,
      ...(version ? { versionId: version.id } : {}),
      created,
      reason,
    });
    for (const c of snapshot.manifests[digest]?.children ?? [])
      remove(c, [], `platform image of deleted index ${short(digest)}`, depth + 1);
  };
  const doomedTags = new Map(doomed.map((d) => [d.digest, d.tags]));
  // An index before its platform images, even a tagged one that goes too (they follow it).
  const insideDoomed = new Set(doomed.flatMap((d) => snapshot.manifests[d.digest]?.children ?? []));
  for (const d of doomed) if (!insideDoomed.has(d.digest)) remove(d.digest, d.tags, d.reason);
  for (const d of doomed) remove(d.digest, d.tags, d.reason);

  // GitHub lists untagged versions: those nothing that stays needs go too, oldest first (by push date).
  if (rules.untagged && snapshot.versions) {
    const untagged = Object.entries(snapshot.versions)
      .filter(([d, v]) => v.tags.length === 0 && !needed.has(d) && !deleted.has(d))
      .map(([digest, v]) => ({ digest, created: v.createdAt }))
      .sort(byAge)
      .reverse();
    // An untagged index first, its children with it (after it); then whatever is left.
    const inside = new Set(untagged.flatMap((u) => snapshot.manifests[u.digest]?.children ?? []));
    const ordered = [
      ...untagged.filter((u) => !inside.has(u.digest)),
      ...untagged.filter((u) => inside.has(u.digest)),
    ];
    for (const u of ordered) {
      if (deleted.has(u.digest)) continue; // a child of an untagged index that went before it
      const why =
        cutoff !== undefined && Date.parse(u.created) > cutoff
          ? `untagged, pushed ${u.created}, within --older-than ${rules.olderThan}`
          : !snapshot.manifests[u.digest]
            ? // Never delete what could not be read: it may be part of an image that stays.
              'untagged, but its manifest could not be read (left alone)'
            : undefined;
      if (why) {
        need(u.digest, why);
        keep.push({ digest: u.digest, reason: why });
        continue;
      }
      remove(u.digest, [], 'untagged version (--untagged)');
    }
  }

  // Referrer tags of what stays (or of nothing here) are left alone and said so.
  const keptTags = new Set(keep.map((k) => k.tag));
  for (const t of referrerTags) {
    const d = snapshot.tags[t] as string;
    if (deleted.has(d) || keptTags.has(t)) continue;
    const subject = `sha256:${t.slice(7, 71)}`;
    keep.push({
      tag: t,
      digest: d,
      reason: snapshot.manifests[subject]
        ? (needed.get(d) ?? `referrer of kept image ${short(subject)}`)
        : `referrer of ${short(subject)}, which is not tagged here (left alone)`,
    });
  }

  const notes: string[] = [];
  if (rules.untagged && !snapshot.versions)
    notes.push(
      'A registry without a packages API cannot list untagged manifests: --untagged covers those that lose their last tag in this run (the images above and the platform images of deleted indexes).',
    );
  return {
    repository: snapshot.repository,
    plan: [...tagActions, ...manifestActions],
    keep,
    reclaimableBytes: reclaimable(snapshot, deleted),
    notes,
  };
}

function notKeptReason(rules: PruneRules, created: string | undefined): string {
  const parts = rules.match ? [`matches --match ${rules.match.source}`] : [];
  if (rules.keep.length) parts.push('matches no --keep');
  if (rules.keepLast !== undefined) parts.push(`not among the ${rules.keepLast} newest`);
  if (rules.olderThan) parts.push(`created ${created}, older than ${rules.olderThan}`);
  return parts.join(', ');
}

function reclaimable(snapshot: PruneSnapshot, deleted: Set<string>): number {
  const kept = new Set<string>();
  for (const [d, m] of Object.entries(snapshot.manifests))
    if (!deleted.has(d)) for (const b of m.blobs) kept.add(b.digest);
  const freed = new Map<string, number>();
  for (const d of deleted)
    for (const b of snapshot.manifests[d]?.blobs ?? []) if (!kept.has(b.digest)) freed.set(b.digest, b.size);
  return [...freed.values()].reduce((a, b) => a + b, 0);
}
