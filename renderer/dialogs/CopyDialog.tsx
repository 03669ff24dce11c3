/**
 * "Copy to…": an image, an index (all platforms or one) or several tags to any saved connection, blob to
 * blob (`jobs.copy`, one job per tag). The target is checked as the user types, with the push dialog's
 * rule (`targetVerdict`): a tag that exists says what it points at and is written over only after "Replace".
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { isDigestReference } from '../../shared/reference-grammar';
import type { Connection, ImageInspect, TagDetail } from '../../shared/types';
import { call } from '../api';
import { keys, useConnections, useInspect } from '../api/queries';
import { Field, Spinner } from '../components/bits';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { TagCheckNotice, useTagChecks } from '../components/TagCheck';
import { plural, shortDigest } from '../lib/format';
import { validateRepository, validateTag } from '../lib/reference';
import { targetVerdict } from '../lib/target';
import { useUi } from '../state/ui';

/** Where a copy goes by default: another saved connection when there is one (same repository name). */
export function defaultCopyConnection(connections: Connection[], sourceId: string): string {
  return (connections.find((c) => c.id !== sourceId) ?? connections[0])?.id ?? '';
}

/**
 * The target repository pre-filled for a connection: the same name, except on GitHub, where it must sit
 * under the connection's owner (`team/app` → `acme/app`), as the push dialog pre-fills it.
 */
export function copyRepositoryFor(target: Pick<Connection, 'owner'> | undefined, repository: string): string {
  const owner = target?.owner?.toLowerCase();
  if (!owner || repository.startsWith(`${owner}/`)) return repository;
  return `${owner}/${repository.split('/').pop() ?? repository}`;
}

function platformName(p: { os: string; architecture: string; variant?: string }): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** The platforms an index names once each (attestations apart), with their image manifests' digests. */
export function copyablePlatforms(image: ImageInspect | undefined): { name: string; digest: string }[] {
  const all = (image?.manifests ?? [])
    .filter((m) => m.platform && !(m.platform.os === 'unknown' && m.platform.architecture === 'unknown'))
    .map((m) => ({ name: platformName(m.platform!), digest: m.digest }));
  return all.filter((p) => all.filter((q) => q.name === p.name).length === 1);
}

export function CopyDialog({
  connectionId,
  repository,
  references,
  platform: initialPlatform,
  onClose,
}: {
  connectionId: string;
  repository: string;
  /** One tag or digest, or several tags (each copied under its own tag). */
  references: string[];
  /** Opened on a platform of an index: that platform is chosen. */
  platform?: string;
  onClose: () => void;
}) {
  const single = references.length === 1 ? references[0]! : undefined;
  const { data: connections = [] } = useConnections();
  const source = connections.find((c) => c.id === connectionId);
  const inspect = useInspect(connectionId, repository, single ?? '', undefined, {
    enabled: single !== undefined,
  });
  const queryClient = useQueryClient();
  const details = queryClient.getQueryData<Map<string, TagDetail>>(keys.tagDetails(connectionId, repository));
  const setTransfersOpen = useUi((s) => s.setTransfersOpen);

  const [chosenId, setChosenId] = useState<string | null>(null);
  const targetId = chosenId ?? defaultCopyConnection(connections, connectionId);
  const target = connections.find((c) => c.id === targetId);
  // Pre-filled for the chosen connection until the user types one.
  const [typedRepo, setTargetRepo] = useState<string | null>(null);
  const targetRepo = typedRepo ?? copyRepositoryFor(target, repository);
  const [tag, setTag] = useState(single && !isDigestReference(single) ? single : '');
  const [platform, setPlatform] = useState(initialPlatform ?? '');
  const [referrers, setReferrers] = useState(false);
  const [replace, setReplace] = useState<Record<string, boolean>>({});

  const image = single ? inspect.data : undefined;
  const platforms = copyablePlatforms(image);
  const isIndex = (image?.manifests?.length ?? 0) > 0;
  const chosenPlatform = isIndex ? platforms.find((p) => p.name === platform) : undefined;
  // What lands at the target: the whole index, the chosen platform's image, or each tag's own digest.
  const digestOf = (ref: string): string | undefined =>
    single ? (chosenPlatform?.digest ?? image?.digest) : details?.get(ref)?.digest;

  const repoCheck = validateRepository(targetRepo, target?.kind, target?.owner);
  /** What each source is written as: its own tag, or (one source) the tag typed; '' means by digest. */
  const rows = references.map((ref) => ({ ref, tag: single ? tag : ref }));
  const byDigestOnly = single !== undefined && isDigestReference(single) && tag === '';
  const tagErrors = (t: string) => (byDigestOnly ? [] : validateTag(t).errors);
  const checks = useTagChecks(
    targetId || undefined,
    rows.map((r) => ({
      key: r.ref,
      repository: targetRepo,
      tag: r.tag,
      enabled: !byDigestOnly && repoCheck.errors.length === 0 && tagErrors(r.tag).length === 0,
    })),
  );
  const verdicts = rows.map((r) =>
    targetVerdict(checks[r.ref] ?? { state: 'idle' }, replace[r.ref] === true, digestOf(r.ref)),
  );
  const replacing = verdicts.filter((v) => v.needsReplace).length;
  // A changed target is a new question: a "Replace" ticked for another tag does not carry over.
  const retarget = () => setReplace({});

  const run = useMutation({
    mutationFn: async () => {
      for (const r of rows) {
        await call('jobs.copy', {
          source: { connectionId, repository, reference: r.ref },
          target: { connectionId: targetId, repository: targetRepo, ...(r.tag ? { tag: r.tag } : {}) },
          ...(chosenPlatform ? { platform: chosenPlatform.name } : {}),
          ...(referrers ? { referrers: true } : {}),
        });
      }
    },
    onSuccess: () => {
      setTransfersOpen(true);
      onClose();
    },
  });

  const blocked =
    !target ||
    repoCheck.errors.length > 0 ||
    rows.some((r) => tagErrors(r.tag).length > 0) ||
    verdicts.some((v) => v.blocked) ||
    (single !== undefined && inspect.isLoading) ||
    run.isPending;
  const sourceName = single
    ? `${repository}${isDigestReference(single) ? `@${shortDigest(single)}` : `:${single}`}`
    : `${references.length} tags of ${repository}`;
  const copyLabel =
    rows.length === 1
      ? replacing
        ? 'Copy and replace'
        : 'Copy'
      : replacing
        ? `Copy ${rows.length}, replacing ${replacing}`
        : `Copy ${rows.length} tags`;

  return (
    <Dialog
      title={`Copy ${sourceName}`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="btn ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn primary" disabled={blocked} onClick={() => run.mutate()}>
            {run.isPending ? <Spinner label="Starting" /> : null} {copyLabel}
          </button>
        </>
      }
    >
      <p className="muted small">
        From {source ? `${source.name} (${source.registry})` : 'this registry'}; blobs the target has are
        skipped, on the same registry they are mounted. Nothing is written to disk.
      </p>
      <Field label="To registry">
        <select
          value={targetId}
          onChange={(e) => {
            setChosenId(e.target.value);
            retarget();
          }}
        >
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.registry}){c.id === connectionId ? ' · this registry' : ''}
            </option>
          ))}
        </select>
      </Field>
      <div className="row target-row">
        <Field label="Target repository" error={repoCheck.errors[0]} hint={repoCheck.warnings[0]}>
          <input
            value={targetRepo}
            onChange={(e) => {
              setTargetRepo(e.target.value);
              retarget();
            }}
            aria-invalid={repoCheck.errors.length > 0}
            spellCheck={false}
          />
        </Field>
        {single !== undefined && (
          <Field
            label="Target tag"
            error={tag ? tagErrors(tag)[0] : undefined}
            hint={byDigestOnly ? 'Empty: copied by digest, without a tag.' : undefined}
          >
            <input
              value={tag}
              onChange={(e) => {
                setTag(e.target.value);
                retarget();
              }}
              aria-invalid={tagErrors(tag).length > 0}
              spellCheck={false}
              placeholder={isDigestReference(single) ? 'none: by digest' : 'e.g. stable'}
            />
          </Field>
        )}
        {isIndex && platforms.length > 0 && (
          <Field label="Platforms">
            <select
              value={chosenPlatform ? platform : ''}
              onChange={(e) => {
                setPlatform(e.target.value);
                retarget();
              }}
            >
              <option value="">All ({platforms.length}): the whole index</option>
              {platforms.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} only
                </option>
              ))}
            </select>
          </Field>
        )}
      </div>
      {inspect.error && single && <ErrorBox error={inspect.error} title={`Cannot read ${sourceName}`} />}
      <label className="check">
        <input type="checkbox" checked={referrers} onChange={(e) => setReferrers(e.target.checked)} />
        Also copy signatures and attestations (the sha256-… tags that refer to the image)
      </label>
      {target &&
        rows.map((r, i) => (
          <div key={r.ref} className="copy-target">
            <div className="target-preview mono">
              {single ? '' : `${r.ref} `}→ {target.registry}/{targetRepo || '…'}
              {r.tag ? `:${r.tag}` : byDigestOnly ? `@${shortDigest(single!)}` : ':…'}
              {chosenPlatform ? ` (${chosenPlatform.name})` : ''}
            </div>
            {r.tag && (
              <TagCheckNotice
                check={checks[r.ref] ?? { state: 'idle' }}
                repository={targetRepo}
                tag={r.tag}
                replace={replace[r.ref] === true}
                onReplace={(on) => setReplace((all) => ({ ...all, [r.ref]: on }))}
                alreadyThere={verdicts[i]!.alreadyThere}
              />
            )}
          </div>
        ))}
      {rows.length > 1 && (
        <p className="muted small">
          {plural(rows.length, 'tag')}, each under its own name; every platform of an index.
        </p>
      )}
      {run.error && <ErrorBox error={run.error} title="Cannot start the copy" />}
    </Dialog>
  );
}
