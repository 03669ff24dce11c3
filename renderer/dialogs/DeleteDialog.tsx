import { useMutation } from '@tanstack/react-query';
import { useMemo } from 'react';
import { call } from '../api';
import { useConnection, useTagDetails, useTags } from '../api/queries';
import { Spinner } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { shortDigest } from '../lib/format';
import { isGithub } from '../lib/github';
import { tagsByDigest } from '../lib/tags';
import { useUi } from '../state/ui';

const LIST_LIMIT = 50;

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
  const tagList = useTags(connectionId, repository);
  const details = useTagDetails(connectionId, repository, tagList.data, tagList.dataUpdatedAt);
  const byDigest = useMemo(() => tagsByDigest(details.details), [details.details]);
  const setSelection = useUi((s) => s.setSelection);
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);
  const navigate = useUi((s) => s.navigate);
  const route = useUi((s) => s.route);
  const siblings = useMemo(() => {
    const toDelete = new Set(tags);
    const out = new Map<string, string[]>();
    for (const t of tags) {
      const d = details.details.get(t)?.digest;
      if (!d) continue;
      const stay = (byDigest.get(d) ?? []).filter((x) => !toDelete.has(x));
      if (stay.length) out.set(t, stay);
    }
    return out;
  }, [tags, details.details, byDigest]);

  const run = useMutation({
    mutationFn: () => call('jobs.delete', { connectionId, repository, tags, digests }),
    onSuccess: () => {
      setSelection(new Set(), null);
      setTransfersOpen(true);
      if (route.screen === 'image' && (tags.includes(route.reference) || digests.includes(route.reference))) {
        navigate({ screen: 'tags', connectionId, repository });
      }
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
            {tags.slice(0, LIST_LIMIT).map((t) => (
              <li key={t}>
                <code>{t}</code>
                {siblings.get(t) && (
                  <span className="muted">
                    {' '}
                    — {siblings.get(t)!.join(', ')} {siblings.get(t)!.length === 1 ? 'stays' : 'stay'} on the
                    same digest
                  </span>
                )}
              </li>
            ))}
            {tags.length > LIST_LIMIT && <li className="muted">… and {tags.length - LIST_LIMIT} more</li>}
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
