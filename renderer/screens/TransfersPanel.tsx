import { useMutation } from '@tanstack/react-query';
import type { Job } from '../../shared/types';
import { call, getApi } from '../api';
import { nameTheUpload } from '../api/errors';
import { useJobs } from '../api/queries';
import { EmptyState } from '../components/bits';
import { Icon } from '../components/Icon';
import { formatBytes, formatDuration, formatRate, plural, shortDigest } from '../lib/format';
import { useUi } from '../state/ui';

const STATE_LABEL: Record<Job['state'], string> = {
  queued: 'Queued',
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const LAYER_STATE: Record<string, string> = {
  waiting: 'waiting',
  compressing: 'compressing',
  uploading: 'uploading',
  downloading: 'downloading',
  exists: 'already there',
  mounted: 'mounted',
  done: 'done',
  failed: 'failed',
};

/** Overall bar, rate and ETA, then one bar per layer. Shared by the panel and the pull dialog. */
export function JobProgress({ job, layers = true }: { job: Job; layers?: boolean }) {
  const p = job.progress;
  const moves = job.kind === 'push' || job.kind === 'pull';
  const pct =
    p && p.bytesTotal > 0
      ? Math.min(100, (100 * p.bytesDone) / p.bytesTotal)
      : job.state === 'done'
        ? 100
        : 0;
  return (
    <div className="job-progress">
      {(p || job.state === 'running') && (
        <>
          <div
            className={`bar-track state-${job.state}`}
            role="progressbar"
            aria-label={`${job.title} progress`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(pct)}
          >
            <span className="bar-fill" style={{ width: `${pct}%` }} />
          </div>
          {/* Delete and tag jobs count items, not bytes: "2 of 3", and nothing for a single one. */}
          {p && !moves && p.bytesTotal > 1 && (
            <div className="job-numbers">
              {p.bytesDone.toLocaleString()} of {p.bytesTotal.toLocaleString()}
            </div>
          )}
          {p && moves && (
            <div className="job-numbers">
              {formatBytes(p.bytesDone)} / {formatBytes(p.bytesTotal)}
              {job.state === 'running' && p.rate > 0 && ` · ${formatRate(p.rate)}`}
              {job.state === 'running' && p.eta !== undefined && ` · ${formatDuration(p.eta)} left`}
            </div>
          )}
        </>
      )}
      {layers && p && p.layers.length > 0 && (
        <details className="layers-detail" open={job.state === 'running' && p.layers.length <= 8}>
          <summary>{plural(p.layers.length, 'layer')}</summary>
          <ul className="layer-bars">
            {p.layers.map((l) => (
              <li key={l.digest}>
                <code>{shortDigest(l.digest)}</code>
                <span className={`bar-track small layer-${l.state}`}>
                  <span
                    className="bar-fill"
                    style={{
                      width: `${l.size > 0 ? Math.min(100, (100 * l.bytesDone) / l.size) : ['done', 'exists', 'mounted'].includes(l.state) ? 100 : 0}%`,
                    }}
                  />
                </span>
                <span className="muted">
                  {formatBytes(l.size)} · {LAYER_STATE[l.state] ?? l.state}
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function JobItem({ job }: { job: Job }) {
  const toast = useUi((s) => s.toast);
  const cancel = useMutation({
    mutationFn: () => call('jobs.cancel', { id: job.id }),
    onError: (e) => toast(e.message, 'error'),
  });
  const retry = useMutation({
    mutationFn: () => call('jobs.retry', { id: job.id }),
    onError: (e) => toast(e.message, 'error'),
  });
  const active = job.state === 'running' || job.state === 'queued';
  // A push's title names the file the user dropped ("Push app.tar → …"): errors use that name too.
  const uploadName =
    job.kind === 'push' ? (job.title.match(/^Push (.+?) → /)?.[1] ?? 'the archive') : 'the archive';
  const download = job.kind === 'pull' && job.state === 'done' ? getApi().downloadUrl?.(job.id) : undefined;
  return (
    <li className={`job state-${job.state}`} aria-label={job.title}>
      <div className="job-head">
        <span className={`job-kind kind-${job.kind}`}>{job.kind}</span>
        <span className="job-title" title={job.title}>
          {job.title}
        </span>
        <span className={`job-state s-${job.state}`}>{STATE_LABEL[job.state]}</span>
      </div>
      {(active || job.progress) && <JobProgress job={job} />}
      {job.state === 'done' && job.resultMessage && <div className="job-result">{job.resultMessage}</div>}
      {job.warnings.map((w) => (
        <div key={w} className="warn small">
          ⚠ {w}
        </div>
      ))}
      {/* A cancel is the user's own choice: said plainly, not as an error. */}
      {job.state === 'cancelled' && (
        <div className="job-result">
          {job.error?.message ?? 'Cancelled.'}
          {job.retryable ? ' Retry starts it again.' : ''}
        </div>
      )}
      {job.error && job.state !== 'cancelled' && (
        <div className="job-error" role="alert">
          <div>{nameTheUpload(job.error.message, uploadName)}</div>
          {job.error.hint && <div className="error-hint">{nameTheUpload(job.error.hint, uploadName)}</div>}
        </div>
      )}
      <div className="job-actions">
        {active && (
          <button
            type="button"
            className="btn small ghost"
            onClick={() => cancel.mutate()}
            aria-label={`Cancel ${job.title}`}
          >
            Cancel
          </button>
        )}
        {(job.state === 'failed' || job.state === 'cancelled') && job.retryable && (
          <button
            type="button"
            className="btn small"
            onClick={() => retry.mutate()}
            aria-label={`Retry ${job.title}`}
          >
            <Icon name="refresh" size={14} /> Retry
          </button>
        )}
        {download && (
          <a className="btn small primary" href={download} download>
            <Icon name="download" size={14} /> Download
          </a>
        )}
      </div>
    </li>
  );
}

export function TransfersPanel() {
  const { data: jobs } = useJobs();
  const setOpen = useUi((s) => s.setTransfersOpen);
  const clear = useMutation({ mutationFn: () => call('jobs.clear', {}) });
  const sorted = [...(jobs ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const finished = sorted.some((j) => j.state === 'done' || j.state === 'failed' || j.state === 'cancelled');
  return (
    <aside className="transfers" aria-label="Transfers">
      <header className="transfers-head">
        <h2>Transfers</h2>
        <button
          type="button"
          className="btn small ghost"
          disabled={!finished || clear.isPending}
          onClick={() => clear.mutate()}
        >
          Clear finished
        </button>
        <button
          type="button"
          className="btn icon"
          aria-label="Close transfers"
          onClick={() => setOpen(false)}
        >
          <Icon name="x" />
        </button>
      </header>
      {sorted.length === 0 ? (
        <EmptyState title="No transfers yet">
          Pushes, pulls, deletes and re-tags show up here with their progress.
        </EmptyState>
      ) : (
        <ul className="jobs">
          {sorted.map((j) => (
            <JobItem key={j.id} job={j} />
          ))}
        </ul>
      )}
    </aside>
  );
}
