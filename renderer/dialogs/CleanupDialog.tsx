/**
 * "Clean up…" on a repository: the retention rules of `lading prune` as a small form, a live preview
 * (`registry.prunePlan`, asked as the user types; it changes nothing), then Run starts `jobs.prune` in the
 * transfers panel, which plans again from the repository as it is then and shows progress and a report.
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { PrunePlanView } from '../../shared/types';
import { call } from '../api';
import { keys, useConnection } from '../api/queries';
import { Field, Spinner } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { useDebounced } from '../components/TagCheck';
import { type CleanupForm, cleanupErrors, cleanupRequest, DEFAULT_CLEANUP } from '../lib/cleanup-rules';
import { plural } from '../lib/format';
import { isGithub } from '../lib/github';
import { useUi } from '../state/ui';
import { CleanupPreview } from './CleanupPreview';

const PREVIEW_DEBOUNCE_MS = 400;

/** A field's hint with the `lading prune` flag it is, the name the preview's reasons use. */
function Flag({ text, flag }: { text: string; flag: string }) {
  return (
    <>
      {text} · <code>{flag}</code>
    </>
  );
}

export function CleanupDialog({
  connectionId,
  repository,
  onClose,
}: {
  connectionId: string;
  repository: string;
  onClose: () => void;
}) {
  const connection = useConnection(connectionId);
  const github = connection ? isGithub(connection) : false;
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);
  const [form, setForm] = useState<CleanupForm>(DEFAULT_CLEANUP);
  const [filter, setFilter] = useState('');
  const set = <K extends keyof CleanupForm>(k: K, v: CleanupForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  const errors = cleanupErrors(form);
  const valid = Object.keys(errors).length === 0;
  const request = cleanupRequest(connectionId, repository, form);
  const typed = JSON.stringify({ request, valid });
  const asked = useDebounced(typed, PREVIEW_DEBOUNCE_MS);
  const settled = JSON.parse(asked) as { request: typeof request; valid: boolean };
  const plan = useQuery({
    queryKey: keys.prunePlan(connectionId, repository, JSON.stringify(settled.request)),
    queryFn: (): Promise<PrunePlanView> => call('registry.prunePlan', settled.request),
    enabled: settled.valid,
    // A plan is a snapshot of the repository: asked again whenever the dialog opens.
    gcTime: 0,
    staleTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
  });
  const previewing = valid && (asked !== typed || plan.isFetching);

  const run = useMutation({
    mutationFn: () => call('jobs.prune', request),
    onSuccess: () => {
      setTransfersOpen(true);
      onClose();
    },
  });
  const count = plan.data?.plan.length ?? 0;
  const shown = plan.data && !previewing;
  const blocked = !valid || previewing || !plan.data || count === 0 || run.isPending;

  return (
    <Dialog
      title={`Clean up ${repository}`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn danger" disabled={blocked} onClick={() => run.mutate()}>
            {run.isPending ? <Spinner label="Starting" /> : null}{' '}
            {shown
              ? count
                ? `Run clean-up (${plural(count, 'deletion')})`
                : 'Nothing to clean up'
              : 'Run clean-up'}
          </button>
        </>
      }
    >
      <p className="muted small">
        Deletes the tags these rules do not keep from {repository}
        {connection ? ` on ${connection.registry}` : ''}. Every tag of a kept image stays, and nothing a kept
        image needs (its platform images, signatures and attestations) is deleted. The preview changes
        nothing; Run plans again from the repository as it is then, and running it again finishes an
        interrupted clean-up.
      </p>
      <div className="row">
        <Field
          label="Only tags matching"
          error={errors.match}
          hint={<Flag text="A regular expression, e.g. ^ci- (empty: every tag)" flag="--match" />}
        >
          <input
            value={form.match}
            onChange={(e) => set('match', e.target.value)}
            aria-invalid={errors.match !== undefined}
            spellCheck={false}
            placeholder="every tag"
          />
        </Field>
        <Field
          label="Keep tags matching"
          error={errors.keep}
          hint={
            <Flag text="One regular expression per line; the whole image of a match stays" flag="--keep" />
          }
        >
          <textarea
            rows={2}
            value={form.keep}
            onChange={(e) => set('keep', e.target.value)}
            aria-invalid={errors.keep !== undefined}
            spellCheck={false}
          />
        </Field>
      </div>
      <div className="row">
        <Field
          label="Keep the newest images"
          error={errors.keepLast}
          hint={<Flag text="Images, not tags (empty: no such rule)" flag="--keep-last" />}
        >
          <input
            inputMode="numeric"
            value={form.keepLast}
            onChange={(e) => set('keepLast', e.target.value)}
            aria-invalid={errors.keepLast !== undefined}
          />
        </Field>
        <Field
          label="Only if older than"
          error={errors.olderThan}
          hint={<Flag text="e.g. 30d, 12h, 2w (empty: any age)" flag="--older-than" />}
        >
          <input
            value={form.olderThan}
            onChange={(e) => set('olderThan', e.target.value)}
            aria-invalid={errors.olderThan !== undefined}
            spellCheck={false}
            placeholder="any age"
          />
        </Field>
      </div>
      <div className="cleanup-checks">
        <label className="check">
          <input
            type="checkbox"
            checked={form.untagged}
            onChange={(e) => set('untagged', e.target.checked)}
          />
          {github
            ? 'Also delete untagged versions that nothing kept uses'
            : 'Also delete untagged manifests (here only those left without a tag by this clean-up: a registry cannot list the others)'}
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={form.keepReferrers}
            onChange={(e) => set('keepReferrers', e.target.checked)}
          />
          Keep the signatures and attestations of deleted images
        </label>
      </div>
      {errors.rules && (
        <p className="field-error" role="alert">
          {errors.rules}
        </p>
      )}
      <section className="cleanup-preview" aria-label="Clean-up preview" aria-busy={previewing}>
        {previewing && (
          <div className="muted small" role="status">
            <Spinner label="Planning" /> Reading the tags and images of {repository}…
          </div>
        )}
        {plan.error && !previewing && <ErrorBox error={plan.error} title="Cannot preview the clean-up" />}
        {plan.data && !previewing && (
          <CleanupPreview plan={plan.data} github={github} filter={filter} setFilter={setFilter} />
        )}
      </section>
      {run.error && <ErrorBox error={run.error} title="Cannot start the clean-up" />}
    </Dialog>
  );
}
