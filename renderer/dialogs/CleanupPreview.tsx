/**
 * The clean-up dialog's preview: what would be deleted (each action with its rule) and what is kept and
 * why, filterable, with the counts and the bytes that become unreferenced. Shows a plan; changes nothing.
 */
import { useMemo } from 'react';
import { formatSize } from '../../shared/sizes';
import type { PrunePlanView } from '../../shared/types';
import { formatDate, formatRelative, plural, shortDigest } from '../lib/format';

/** Rows drawn per table; the rest are counted (a filter narrows them). */
const ROWS_SHOWN = 300;

type Action = PrunePlanView['plan'][number];

export const ACTION_LABEL: Record<Action['action'], string> = {
  'delete-tag': 'Remove tag',
  'delete-manifest': 'Delete image',
  'delete-version': 'Delete version',
};

const tagsOf = (a: Action) => a.tags ?? (a.tag ? [a.tag] : []);

/** What the counts line says: tags removed alone, images (versions) deleted, the tags that go with them. */
export function planCounts(plan: PrunePlanView) {
  const alone = plan.plan.filter((a) => a.action === 'delete-tag').length;
  const images = plan.plan.filter((a) => a.action !== 'delete-tag');
  const withThem = images.reduce((n, a) => n + tagsOf(a).length, 0);
  const keptTags = plan.keep.filter((k) => k.tag).length;
  return {
    alone,
    images: images.length,
    withThem,
    kept: keptTags,
    keptUntagged: plan.keep.length - keptTags,
  };
}

const wordsOf = (filter: string) => filter.toLowerCase().split(/\s+/).filter(Boolean);

function matches(words: string[], ...fields: (string | undefined)[]): boolean {
  const text = fields.join(' ').toLowerCase();
  return words.every((w) => text.includes(w));
}

function More({ shown, total }: { shown: number; total: number }) {
  if (total <= shown) return null;
  return (
    <p className="muted small">and {plural(total - shown, 'more')}; type in the filter to narrow the list.</p>
  );
}

/** "2 images deleted (with 3 tags), 1 tag removed alone (its image stays); 4 tags kept · 12 KiB …". */
export function summary(plan: PrunePlanView, github: boolean): string {
  const c = planCounts(plan);
  const parts = [
    c.images
      ? `${plural(c.images, github ? 'version' : 'image')} deleted (with ${plural(c.withThem, 'tag')})`
      : '',
    c.alone
      ? `${plural(c.alone, 'tag')} removed alone (${c.alone === 1 ? 'its image stays' : 'their images stay'})`
      : '',
  ].filter(Boolean);
  const bytes = plan.plan.length
    ? ` · ${formatSize(plan.reclaimableBytes, 'binary')} no longer referenced`
    : '';
  const untagged = c.keptUntagged ? ` and ${plural(c.keptUntagged, 'untagged version')}` : '';
  return `${parts.join(', ') || 'Nothing would be deleted'}; ${plural(c.kept, 'tag')}${untagged} kept${bytes}.`;
}

/** `filter` is the dialog's, so it outlives a new preview as the rules change. */
export function CleanupPreview({
  plan,
  github,
  filter,
  setFilter,
}: {
  plan: PrunePlanView;
  github: boolean;
  filter: string;
  setFilter: (filter: string) => void;
}) {
  const words = wordsOf(filter);
  const actions = useMemo(
    () =>
      plan.plan.filter((a) =>
        matches(
          wordsOf(filter),
          ACTION_LABEL[a.action],
          ...tagsOf(a),
          a.digest,
          a.reason,
          a.tag ? '' : 'untagged',
        ),
      ),
    [plan, filter],
  );
  const kept = useMemo(
    () => plan.keep.filter((k) => matches(wordsOf(filter), k.tag ?? 'untagged', k.digest, k.reason)),
    [plan, filter],
  );
  return (
    <>
      <p className="small cleanup-summary">{summary(plan, github)}</p>
      {plan.notes.map((n) => (
        <p key={n} className="muted small">
          {n}
        </p>
      ))}
      <input
        className="filter"
        type="search"
        placeholder="Filter by tag, digest or reason"
        aria-label="Filter the preview"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && filter) {
            e.stopPropagation(); // clears the filter rather than closing the dialog
            setFilter('');
          }
        }}
      />
      {plan.plan.length > 0 && (
        <section className="cleanup-group" aria-label="Would be deleted">
          <h3>
            Would be deleted <span className="count-pill">{actions.length.toLocaleString()}</span>
          </h3>
          <table className="table cleanup-table">
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Tags</th>
                <th scope="col">Digest</th>
                <th scope="col">Created</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {actions.slice(0, ROWS_SHOWN).map((a) => (
                <tr key={`${a.action} ${a.tag ?? ''} ${a.digest}`}>
                  <td className={a.action === 'delete-tag' ? undefined : 'cleanup-delete'}>
                    {ACTION_LABEL[a.action]}
                  </td>
                  <td className="mono wrap">
                    {tagsOf(a).join(', ') || <span className="muted">untagged</span>}
                  </td>
                  <td>
                    <code title={a.digest}>{shortDigest(a.digest)}</code>
                  </td>
                  <td title={formatDate(a.created ?? undefined)}>{formatRelative(a.created ?? undefined)}</td>
                  <td className="wrap small">{a.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <More shown={Math.min(actions.length, ROWS_SHOWN)} total={actions.length} />
        </section>
      )}
      {plan.keep.length > 0 && (
        <section className="cleanup-group" aria-label="Kept">
          <h3>
            Kept <span className="count-pill">{kept.length.toLocaleString()}</span>
          </h3>
          <table className="table cleanup-table">
            <thead>
              <tr>
                <th scope="col">Tag</th>
                <th scope="col">Digest</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {kept.slice(0, ROWS_SHOWN).map((k) => (
                <tr key={`${k.tag ?? ''} ${k.digest}`}>
                  <td className="mono wrap">{k.tag ?? <span className="muted">untagged</span>}</td>
                  <td>
                    <code title={k.digest}>{shortDigest(k.digest)}</code>
                  </td>
                  <td className="wrap small">{k.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <More shown={Math.min(kept.length, ROWS_SHOWN)} total={kept.length} />
        </section>
      )}
      {words.length > 0 && actions.length === 0 && kept.length === 0 && (
        <p className="no-match">Nothing in the preview matches “{filter}”.</p>
      )}
    </>
  );
}
