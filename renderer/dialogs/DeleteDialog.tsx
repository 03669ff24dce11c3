import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { ImageInspect, TagDetail } from '../../shared/types';
import { call } from '../api';
import { keys, useConnection, useTagDetails, useTags } from '../api/queries';
import { Spinner } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { shortDigest } from '../lib/format';
import { isGithub } from '../lib/github';
import { tagsByDigest } from '../lib/tags';
import { navigate, useRoute } from '../state/route';
import { useUi } from '../state/ui';

const LIST_LIMIT = 50;

/** What a delete removes, in words: "image 0123456789ab (tags 1.1, latest)", "tag gone", "3 tags: a, b, c". */
export function describeDelete(tags: string[], digests: string[], byDigest: Map<string, string[]>): string {
  const list = (names: string[]) =>
    names.length > SHOWN_NAMES
      ? `${names.slice(0, SHOWN_NAMES).join(', ')} and ${names.length - SHOWN_NAMES} more`
      : names.join(', ');
  const parts: string[] = [];
  if (tags.length === 1) parts.push(`tag ${tags[0]}`);
  else if (tags.length > 1) parts.push(`${tags.length.toLocaleString()} tags: ${list(tags)}`);
  if (digests.length === 1) {
    const on = [...(byDigest.get(digests[0]!) ?? [])].sort((a, b) =>
      a.localeCompare(b, undefined, { numeric: true }),
    );
    const withTags = on.length ? ` (${on.length === 1 ? 'tag' : 'tags'} ${list(on)})` : '';
    parts.push(`image ${shortDigest(digests[0])}${withTags}`);
  } else if (digests.length > 1) {
    parts.push(`${digests.length.toLocaleString()} images: ${list(digests.map((d) => shortDigest(d)))}`);
  }
  return parts.join(' and ');
}
const SHOWN_NAMES = 8;

/**
 * Deleting a tag removes that name only: other tags on the same digest stay (the dialog names them).
 * Deleting a digest removes the image and every tag on it (the dialog lists them all).
 */
export function DeleteDialog({
  connectionId,
  repository,
  tags,
  digests,
  onClose,
}: {
  connectionId: string;
  repository: string;
  tags: string[];
  digests: string[];
  onClose: () => void;
}) {
  const connection = useConnection(connectionId);
  // The tag table has usually loaded every tag's details already; load them here only when it has not.
  const cached = useQuery({
    queryKey: keys.tagDetails(connectionId, repository),
    queryFn: async () => new Map<string, TagDetail>(),
    enabled: false,
  }).data;
  const haveCache = (cached?.size ?? 0) > 0;
  const tagList = useTags(connectionId, repository);
  const loaded = useTagDetails(connectionId, repository, haveCache ? undefined : tagList.data, 0);
  const details = haveCache ? { details: cached!, pending: 0 } : loaded;
  const byDigest = useMemo(() => tagsByDigest(details.details), [details.details]);
  const setSelection = useUi((s) => s.setSelection);
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);
  const route = useRoute();
  // Deleted tags grouped by the digest they point at, with the tags on that digest that stay.
  const groups = useMemo(() => {
    const toDelete = new Set(tags);
    const out = new Map<string, { deleted: string[]; staying: string[] }>();
    for (const t of tags) {
      const d = details.details.get(t)?.digest ?? '';
      let g = out.get(d);
      if (!g) {
        g = { deleted: [], staying: d ? (byDigest.get(d) ?? []).filter((x) => !toDelete.has(x)) : [] };
        out.set(d, g);
      }
      g.deleted.push(t);
    }
    return [...out.entries()];
  }, [tags, details.details, byDigest]);

  const queryClient = useQueryClient();
  const setDeleteNotice = useUi((s) => s.setDeleteNotice);
  // The image on screen goes away with this delete: its tag, its digest, or the digest its tag points at.
  const removesShownImage = (): boolean => {
    if (route.screen !== 'image' || route.connectionId !== connectionId || route.repository !== repository)
      return false;
    if (tags.includes(route.reference) || digests.includes(route.reference)) return true;
    const shown = [
      queryClient.getQueryData<ImageInspect>(
        keys.inspect(connectionId, repository, route.reference, route.platform),
      )?.digest,
      details.details.get(route.reference)?.digest,
    ];
    return shown.some((d) => d !== undefined && digests.includes(d));
  };

  const run = useMutation({
    mutationFn: () => call('jobs.delete', { connectionId, repository, tags, digests }),
    onSuccess: ({ jobId }) => {
      setSelection(new Set(), null);
      setTransfersOpen(true);
      setDeleteNotice({ jobId, connectionId, repository, what: describeDelete(tags, digests, byDigest) });
      // Nothing deleted stays on screen with its actions live: back to the repository, which says what went.
      if (removesShownImage()) navigate({ screen: 'tags', connectionId, repository });
      onClose();
    },
  });

  const count = tags.length + digests.length;
  const title =
    digests.length > 0 && tags.length === 0
      ? `Delete ${digests.length === 1 ? 'image' : `${digests.length} images`} by digest`
      : `Delete ${tags.length === 1 ? `tag ${tags[0]}` : `${tags.length} tags`}`;

  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn danger"
            disabled={run.isPending || count === 0}
            onClick={() => run.mutate()}
          >
            {run.isPending ? <Spinner label="Deleting" /> : null}{' '}
            {count === 1 ? 'Delete' : `Delete ${count.toLocaleString()}`}
          </button>
        </>
      }
    >
      {tags.length > 0 && (
        <>
          <p>
            {tags.length === 1 ? 'This tag' : 'These tags'} will be removed from <strong>{repository}</strong>
            . Images that still have another tag stay.
          </p>
          <ul className="del-list">
            {groups.slice(0, LIST_LIMIT).map(([digest, g]) => (
              <li key={digest || 'unknown'}>
                {g.deleted.slice(0, SHOWN_NAMES).map((t) => (
                  <code key={t} className="chip">
                    {t}
                  </code>
                ))}
                {g.deleted.length > SHOWN_NAMES && (
                  <span className="muted">+{g.deleted.length - SHOWN_NAMES} more </span>
                )}
                {digest && <span className="muted">on {shortDigest(digest)}</span>}
                {g.staying.length > 0 && (
                  <div className="stays">
                    {g.staying.length === 1 ? '1 other tag stays' : `${g.staying.length} other tags stay`} on
                    the same digest: {g.staying.slice(0, SHOWN_NAMES).join(', ')}
                    {g.staying.length > SHOWN_NAMES ? ` … and ${g.staying.length - SHOWN_NAMES} more` : ''}
                  </div>
                )}
              </li>
            ))}
            {groups.length > LIST_LIMIT && (
              <li className="muted">… and {groups.length - LIST_LIMIT} more images</li>
            )}
          </ul>
        </>
      )}
      {digests.length > 0 && (
        <>
          <p>
            The image{digests.length > 1 ? 's' : ''} will be deleted, with every tag that points at{' '}
            {digests.length > 1 ? 'them' : 'it'}:
          </p>
          <ul className="del-list">
            {digests.map((d) => {
              const dTags = byDigest.get(d) ?? [];
              return (
                <li key={d}>
                  <code title={d}>{shortDigest(d)}</code>{' '}
                  {details.pending > 0 && dTags.length === 0 ? (
                    <Spinner label="Finding its tags" />
                  ) : dTags.length ? (
                    <span>
                      tags:{' '}
                      {dTags.map((t) => (
                        <code key={t} className="chip">
                          {t}
                        </code>
                      ))}
                    </span>
                  ) : (
                    <span className="muted">no tags</span>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {connection && isGithub(connection) && (
        <p className="muted small">
          On GitHub this goes through the Packages API: a tag shared with others is moved off the version
          first; a deleted version can be restored within 30 days from the Versions tab.
        </p>
      )}
      {run.error && <ErrorBox error={run.error} title="Cannot start the delete" />}
    </Dialog>
  );
}
