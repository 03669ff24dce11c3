// biome-ignore-all lint/a11y/useSemanticElements: mode cards are buttons with role radio (two lines of text each)

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isDigestReference } from '../../shared/reference-grammar';
import type { TagDetail } from '../../shared/types';
import { call } from '../api';
import { keys, useConnection, useInspect, useTags } from '../api/queries';
import { Field, Spinner } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { TagCheckNotice, useTagChecks } from '../components/TagCheck';
import { shortDigest } from '../lib/format';
import { validateRepository, validateTag } from '../lib/reference';
import { targetVerdict } from '../lib/target';
import { useUi } from '../state/ui';

type Mode = 'add' | 'move' | 'copy';

const MODES: { mode: Mode; title: string; blurb: string }[] = [
  { mode: 'add', title: 'Add a tag', blurb: 'Give this image another name in the same repository.' },
  { mode: 'move', title: 'Move a tag', blurb: 'Point an existing tag of this repository at this image.' },
  {
    mode: 'copy',
    title: 'Copy to another repository',
    blurb: 'Same registry; layers are mounted, nothing downloaded.',
  },
];

export function RetagDialog({
  connectionId,
  repository,
  reference,
  onClose,
}: {
  connectionId: string;
  repository: string;
  reference: string;
  onClose: () => void;
}) {
  const connection = useConnection(connectionId);
  const inspect = useInspect(connectionId, repository, reference);
  const tags = useTags(connectionId, repository);
  const queryClient = useQueryClient();
  const details = queryClient.getQueryData<Map<string, TagDetail>>(keys.tagDetails(connectionId, repository));
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);
  const [mode, setMode] = useState<Mode>('add');
  const [tag, setTag] = useState('');
  const [targetRepo, setTargetRepo] = useState(repository);
  const [moveTag, setMoveTag] = useState('');

  // Tag from a digest, so a tag moved meanwhile does not change what is copied.
  const sourceRef = inspect.data?.digest ?? reference;
  const target =
    mode === 'move'
      ? { repository, tag: moveTag }
      : mode === 'add'
        ? { repository, tag }
        : { repository: targetRepo, tag };
  const tagCheck = validateTag(target.tag);
  const repoCheck = validateRepository(target.repository, connection?.kind, connection?.owner);
  // Add and copy write a tag that may exist: the same check and "Replace" rule as a push.
  const [replace, setReplace] = useState(false);
  const checked = useTagChecks(connectionId, [
    {
      key: 'target',
      repository: target.repository,
      tag: target.tag,
      enabled: mode !== 'move' && tagCheck.errors.length === 0 && repoCheck.errors.length === 0,
    },
  ]);
  const check = checked.target ?? { state: 'idle' };
  const verdict = targetVerdict(check, replace, inspect.data?.digest);
  const movable = (tags.data ?? []).filter((t) => t !== reference && details?.get(t)?.digest !== sourceRef);

  const run = useMutation({
    mutationFn: () =>
      call('jobs.tag', { connectionId, source: { repository, reference: sourceRef }, target }),
    onSuccess: () => {
      setTransfersOpen(true);
      onClose();
    },
  });
  const blocked =
    tagCheck.errors.length > 0 ||
    repoCheck.errors.length > 0 ||
    (mode !== 'move' && verdict.blocked) ||
    run.isPending;

  return (
    <Dialog
      title={`Re-tag ${repository}${isDigestReference(reference) ? `@${shortDigest(reference)}` : `:${reference}`}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn primary" disabled={blocked} onClick={() => run.mutate()}>
            {run.isPending ? <Spinner label="Starting" /> : null}{' '}
            {mode === 'move'
              ? 'Move tag'
              : verdict.needsReplace
                ? 'Replace tag'
                : mode === 'add'
                  ? 'Add tag'
                  : 'Copy'}
          </button>
        </>
      }
    >
      <div className="presets small" role="radiogroup" aria-label="What to do">
        {MODES.map((m) => (
          <button
            type="button"
            key={m.mode}
            role="radio"
            aria-checked={mode === m.mode}
            className={`preset${mode === m.mode ? ' selected' : ''}`}
            onClick={() => {
              setMode(m.mode);
              setReplace(false);
            }}
          >
            <span className="preset-title">{m.title}</span>
            <span className="preset-blurb">{m.blurb}</span>
          </button>
        ))}
      </div>
      <p className="muted small">
        Source:{' '}
        <code>
          {repository}@{shortDigest(sourceRef)}
        </code>
      </p>
      {mode === 'copy' && (
        <Field label="Target repository" error={repoCheck.errors[0]} hint={repoCheck.warnings[0]}>
          <input
            value={targetRepo}
            onChange={(e) => {
              setTargetRepo(e.target.value);
              setReplace(false);
            }}
            spellCheck={false}
          />
        </Field>
      )}
      {mode === 'move' ? (
        <Field label="Tag to move" hint="It will stop pointing at its current image.">
          <select value={moveTag} onChange={(e) => setMoveTag(e.target.value)}>
            <option value="">Choose a tag…</option>
            {movable.map((t) => (
              <option key={t} value={t}>
                {t}
                {details?.get(t) ? ` (now ${shortDigest(details.get(t)!.digest)})` : ''}
              </option>
            ))}
          </select>
        </Field>
      ) : (
        <Field
          label={mode === 'copy' ? 'Target tag' : 'New tag'}
          error={target.tag ? tagCheck.errors[0] : undefined}
        >
          <input
            value={tag}
            onChange={(e) => {
              setTag(e.target.value);
              setReplace(false);
            }}
            spellCheck={false}
            placeholder="e.g. stable"
          />
        </Field>
      )}
      {mode !== 'move' && target.tag && (
        <TagCheckNotice
          check={check}
          repository={target.repository}
          tag={target.tag}
          replace={replace}
          onReplace={setReplace}
          alreadyThere={verdict.alreadyThere}
        />
      )}
      {run.error && <ErrorBox error={run.error} title="Cannot start the re-tag" />}
    </Dialog>
  );
}
