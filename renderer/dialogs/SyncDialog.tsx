/**
 * "Sync repository to…": every tag (or those matching a pattern) whose digest differs at the target is
 * copied; equal ones are skipped. The preview is `registry.syncPlan` (a dry run, asked as the user types);
 * Run starts `jobs.sync` in the transfers panel.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { SyncResult } from '../../shared/types';
import { call } from '../api';
import { keys, useConnections } from '../api/queries';
import { Field, Spinner } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { useDebounced } from '../components/TagCheck';
import { plural } from '../lib/format';
import { patternError } from '../lib/patterns';
import { validateRepository } from '../lib/reference';
import { useUi } from '../state/ui';
import { copyRepositoryFor, defaultCopyConnection } from './CopyDialog';

export { patternError };

const PREVIEW_DEBOUNCE_MS = 300;
/** Tags listed per group in the preview; the rest are counted. */
const PREVIEW_LIST = 200;

const byName = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

function TagGroup({ title, tags: unsorted, tone }: { title: string; tags: string[]; tone: string }) {
  const tags = useMemo(() => [...unsorted].sort(byName), [unsorted]);
  if (tags.length === 0) return null;
  return (
    <section className={`sync-group ${tone}`} aria-label={title}>
      <h3>
        {title} <span className="count-pill">{tags.length.toLocaleString()}</span>
      </h3>
      <ul className="sync-tags mono">
        {tags.slice(0, PREVIEW_LIST).map((t) => (
          <li key={t}>{t}</li>
        ))}
        {tags.length > PREVIEW_LIST && (
          <li className="muted">and {plural(tags.length - PREVIEW_LIST, 'more')}</li>
        )}
      </ul>
    </section>
  );
}

export function SyncDialog({
  connectionId,
  repository,
  onClose,
}: {
  connectionId: string;
  repository: string;
  onClose: () => void;
}) {
  const { data: connections = [] } = useConnections();
  const source = connections.find((c) => c.id === connectionId);
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);
  const [chosenId, setChosenId] = useState<string | null>(null);
  const targetId = chosenId ?? defaultCopyConnection(connections, connectionId);
  const target = connections.find((c) => c.id === targetId);
  const [typedRepo, setTargetRepo] = useState<string | null>(null);
  const targetRepo = typedRepo ?? copyRepositoryFor(target, repository);
  const [pattern, setPattern] = useState('');
  const [referrers, setReferrers] = useState(false);

  const repoCheck = validateRepository(targetRepo, target?.kind, target?.owner);
  const badPattern = patternError(pattern);
  const sameRepository = targetId === connectionId && targetRepo === repository;
  const valid = !!target && repoCheck.errors.length === 0 && !badPattern && !sameRepository;
  const request = {
    source: { connectionId, repository },
    target: { connectionId: targetId, repository: targetRepo },
    ...(pattern ? { tags: pattern } : {}),
  };
  const asked = useDebounced(JSON.stringify({ request, valid }), PREVIEW_DEBOUNCE_MS);
  const settled = JSON.parse(asked) as { request: typeof request; valid: boolean };
  const upToDate = asked === JSON.stringify({ request, valid });
  const plan = useQuery({
    queryKey: keys.syncPlan(settled.request.source, settled.request.target, settled.request.tags ?? ''),
    queryFn: (): Promise<SyncResult> => call('registry.syncPlan', settled.request),
    enabled: settled.valid,
    // A plan is a snapshot: asked again every time the dialog opens, never shown from an older one.
    gcTime: 0,
    staleTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
  });
  const previewing = valid && (!upToDate || plan.isFetching);

  const run = useMutation({
    mutationFn: () => call('jobs.sync', { ...request, ...(referrers ? { referrers: true } : {}) }),
    onSuccess: () => {
      setTransfersOpen(true);
      onClose();
    },
  });
  const toCopy = plan.data?.copied.length ?? 0;
  const blocked = !valid || previewing || !plan.data || toCopy === 0 || run.isPending;

  return (
    <Dialog
      title={`Sync ${repository}`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn primary" disabled={blocked} onClick={() => run.mutate()}>
            {run.isPending ? <Spinner label="Starting" /> : null}{' '}
            {plan.data && !previewing
              ? toCopy
                ? `Sync ${plural(toCopy, 'tag')}`
                : 'Nothing to sync'
              : 'Sync'}
          </button>
        </>
      }
    >
      <p className="muted small">
        Copies every tag of {repository} on {source ? `${source.name} (${source.registry})` : 'this registry'}{' '}
        whose digest differs at the target; tags already the same are skipped without moving a byte, so a
        second run finishes an interrupted one.
      </p>
      <Field label="To registry">
        <select value={targetId} onChange={(e) => setChosenId(e.target.value)}>
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.registry}){c.id === connectionId ? ' · this registry' : ''}
            </option>
          ))}
        </select>
      </Field>
      <div className="row target-row">
        <Field
          label="Target repository"
          error={repoCheck.errors[0] ?? (sameRepository ? 'This is the repository being synced.' : undefined)}
          hint={repoCheck.warnings[0]}
        >
          <input
            value={targetRepo}
            onChange={(e) => setTargetRepo(e.target.value)}
            aria-invalid={repoCheck.errors.length > 0 || sameRepository}
            spellCheck={false}
          />
        </Field>
        <Field
          label="Tag pattern"
          error={badPattern}
          hint="A regular expression, e.g. ^v\d+ (empty: every tag)"
        >
          <input
            value={pattern}
            onChange={(e) => setPattern(e.target.value)}
            aria-invalid={badPattern !== undefined}
            spellCheck={false}
            placeholder="every tag"
          />
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={referrers} onChange={(e) => setReferrers(e.target.checked)} />
        Also copy signatures and attestations (the sha256-… tags that refer to the images)
      </label>
      <section className="sync-preview" aria-label="Sync preview" aria-busy={previewing}>
        {previewing && (
          <div className="muted small" role="status">
            <Spinner label="Comparing" /> Comparing the tags of both repositories…
          </div>
        )}
        {plan.error && !previewing && <ErrorBox error={plan.error} title="Cannot preview the sync" />}
        {plan.data && !previewing && (
          <>
            <p className="small">
              {toCopy
                ? `${plural(toCopy, 'tag')} would be copied`
                : 'Nothing to copy: the target has every tag'}
              {plan.data.skipped.length
                ? `, ${plural(plan.data.skipped.length, 'tag')} already the same`
                : ''}
              {plan.data.failed.length ? `, ${plural(plan.data.failed.length, 'tag')} could not be read` : ''}
              .
            </p>
            <TagGroup title="Would be copied" tags={plan.data.copied} tone="" />
            <TagGroup title="Already the same" tags={plan.data.skipped} tone="muted" />
            {plan.data.failed.length > 0 && (
              <section className="sync-group warn" aria-label="Could not be read">
                <h3>
                  Could not be read <span className="count-pill">{plan.data.failed.length}</span>
                </h3>
                <ul className="sync-tags">
                  {[...plan.data.failed]
                    .sort((a, b) => byName(a.tag, b.tag))
                    .slice(0, PREVIEW_LIST)
                    .map((f) => (
                      <li key={f.tag}>
                        <span className="mono">{f.tag}</span>: {f.error.message}
                      </li>
                    ))}
                </ul>
              </section>
            )}
          </>
        )}
      </section>
      {run.error && <ErrorBox error={run.error} title="Cannot start the sync" />}
    </Dialog>
  );
}
