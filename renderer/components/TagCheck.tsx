/**
 * Whether a target tag exists, checked as the user types (debounced), and the notice both the push and
 * the re-tag dialog show for it: what the tag points at now, and the "Replace" box that writing over it
 * needs (`targetVerdict` in lib/target.ts is the rule).
 */
import { useQueries } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import type { TagDetail } from '../../shared/types';
import { ApiError, call } from '../api';
import { keys } from '../api/queries';
import { formatBytes, formatDate, formatRelative, shortDigest } from '../lib/format';
import type { TagCheck } from '../lib/target';
import { Spinner } from './bits';

export interface TagTarget {
  key: string;
  repository: string;
  tag: string;
  /** False while the name is invalid: nothing is asked. */
  enabled: boolean;
}

const CHECK_DEBOUNCE_MS = 250;

export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/** The tag's details, or null when neither the tag nor the repository exists. */
async function lookUp(connectionId: string, repository: string, tag: string): Promise<TagDetail | null> {
  try {
    const [detail] = await call('registry.tagDetails', { connectionId, repository, tags: [tag] });
    return detail ?? null;
  } catch (error) {
    if (error instanceof ApiError && (error.code === 'name-unknown' || error.code === 'manifest-unknown')) {
      return null;
    }
    throw error;
  }
}

export function useTagChecks(
  connectionId: string | undefined,
  targets: TagTarget[],
): Record<string, TagCheck> {
  const wanted = JSON.stringify(targets.map((t) => [t.key, t.repository, t.tag, t.enabled]));
  const settled = useDebounced(wanted, CHECK_DEBOUNCE_MS);
  const asked = useMemo(
    () =>
      (JSON.parse(settled) as [string, string, string, boolean][])
        .filter(([, , , enabled]) => enabled)
        .map(([key, repository, tag]) => ({ key, repository, tag })),
    [settled],
  );
  const results = useQueries({
    queries: asked.map((t) => ({
      queryKey: keys.tagCheck(connectionId, t.repository, t.tag),
      queryFn: () => lookUp(connectionId!, t.repository, t.tag),
      enabled: connectionId !== undefined,
      staleTime: 5_000,
      retry: false,
    })),
  });
  const out: Record<string, TagCheck> = {};
  for (const t of targets) {
    if (!t.enabled) {
      out[t.key] = { state: 'idle' };
      continue;
    }
    const i = asked.findIndex((a) => a.key === t.key && a.repository === t.repository && a.tag === t.tag);
    const result = i >= 0 ? results[i] : undefined;
    if (!result || result.isPending) out[t.key] = { state: 'checking' };
    else if (result.isError) out[t.key] = { state: 'unknown', message: result.error.message };
    else out[t.key] = result.data ? { state: 'exists', detail: result.data } : { state: 'free' };
  }
  return out;
}

/** What the check found, under the target's fields; the "Replace" box when the tag exists. */
export function TagCheckNotice({
  check,
  repository,
  tag,
  replace,
  onReplace,
  alreadyThere,
}: {
  check: TagCheck;
  repository: string;
  tag: string;
  replace: boolean;
  onReplace: (replace: boolean) => void;
  /** The tag already points at the image being written. */
  alreadyThere?: boolean;
}) {
  if (check.state === 'idle') return null;
  if (check.state === 'checking') {
    return (
      <div className="tag-check muted small">
        <Spinner label="Checking the tag" /> Checking whether {repository}:{tag} exists…
      </div>
    );
  }
  if (check.state === 'free') {
    return <div className="tag-check muted small">{tag} is a new tag here.</div>;
  }
  if (check.state === 'unknown') {
    return (
      <div className="tag-check warn small" role="note">
        Could not check whether {repository}:{tag} exists: {check.message}
      </div>
    );
  }
  const d = check.detail;
  const facts = [
    d.platforms.length ? d.platforms.join(', ') : undefined,
    formatBytes(d.size),
    d.created ? `created ${formatRelative(d.created)}` : undefined,
  ].filter(Boolean);
  return (
    <fieldset className="tag-check warn replace-note" aria-label={`${tag} already exists`}>
      <div>
        <strong>
          {repository}:{tag}
        </strong>{' '}
        already exists: it points at{' '}
        <code title={d.digest} className="mono">
          {shortDigest(d.digest)}
        </code>{' '}
        <span title={d.created ? formatDate(d.created) : undefined}>({facts.join(' · ')})</span>.
      </div>
      {alreadyThere ? (
        <div>It already points at this image: there is nothing to change.</div>
      ) : (
        <label className="check">
          <input type="checkbox" checked={replace} onChange={(e) => onReplace(e.target.checked)} />
          Replace {tag}: the tag moves to the new image
        </label>
      )}
    </fieldset>
  );
}
