/**
 * The transfer job manager. Everything that changes a registry or moves bytes runs here, in the main
 * process, so a renderer reload (or a second bridge tab) sees the same jobs through `jobs.list`.
 *
 * - Transfers (push, pull) share a queue with limited concurrency; delete and tag jobs are small and start
 *   at once (they still run as jobs so the UI shows them in one place).
 * - Each job has an AbortController; cancel aborts it and the pipeline cleans up (temp files, uploads).
 * - Retry starts a new job with the same parameters; the old one stays listed.
 * - Progress events are throttled per job; state changes are always sent at once.
 */
import { randomUUID } from 'node:crypto';
import type { MainErrorInfo as ErrorInfo } from '../../../shared/errors';
import type { Job, TransferProgress } from '../../../shared/types';
import { LadingError, toErrorInfo } from '../registry/errors';
import type { EventHub } from './emitter';

export type JobKind = Job['kind'];

export interface JobContext {
  /** This run's job id (a retry gets a new one). */
  id: string;
  signal: AbortSignal;
  /** Report progress; the manager throttles what goes out. */
  progress(p: TransferProgress): void;
  warn(message: string): void;
}

export interface JobOutcome {
  message: string;
  digest?: string;
  warnings?: string[];
}

/** What to run. `run` is called again, with the same spec, on retry. */
export interface JobSpec {
  kind: JobKind;
  title: string;
  connectionId: string;
  run(ctx: JobContext): Promise<JobOutcome>;
  /** Called once when the job ends in any state (e.g. delete an uploaded temp file). Not called on retry's predecessor until it ends. */
  onSettled?(job: Job): void | Promise<void>;
  /** Whether the job may be retried after a failure; default true. */
  retryable?: boolean;
}

export interface JobManagerOptions {
  events: EventHub;
  /** Concurrent push/pull jobs (default 2). */
  transferConcurrency?: number;
  /** Minimum milliseconds between progress events of one job (default 250: at most 4/s). */
  progressIntervalMs?: number;
}

interface Entry {
  job: Job;
  spec: JobSpec;
  controller: AbortController;
  lastEmit: number;
  pendingTimer?: NodeJS.Timeout;
  finished: Promise<void>;
  resolveFinished: () => void;
}

const isTransfer = (kind: JobKind) => kind === 'push' || kind === 'pull';
const isFinished = (state: Job['state']) => state === 'done' || state === 'failed' || state === 'cancelled';

export class JobManager {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private runningTransfers = 0;
  private readonly events: EventHub;
  private readonly concurrency: number;
  private readonly interval: number;

  constructor(opts: JobManagerOptions) {
    this.events = opts.events;
    this.concurrency = opts.transferConcurrency ?? 2;
    this.interval = opts.progressIntervalMs ?? 250;
  }

  /** Queue a job; returns its id at once. */
  submit(spec: JobSpec): string {
    let resolveFinished!: () => void;
    const finished = new Promise<void>((r) => {
      resolveFinished = r;
    });
    const entry: Entry = {
      job: {
        id: randomUUID(),
        kind: spec.kind,
        title: spec.title,
        connectionId: spec.connectionId,
        state: 'queued',
        createdAt: new Date().toISOString(),
        warnings: [],
        retryable: false,
      },
      spec,
      controller: new AbortController(),
      lastEmit: 0,
      finished,
      resolveFinished,
    };
    this.entries.set(entry.job.id, entry);
    this.emit(entry);
    if (isTransfer(spec.kind)) {
      this.queue.push(entry);
      this.pump();
    } else {
      void this.start(entry);
    }
    return entry.job.id;
  }

  list(): Job[] {
    return [...this.entries.values()].map((e) => structuredClone(e.job));
  }

  get(id: string): Job | undefined {
    const e = this.entries.get(id);
    return e ? structuredClone(e.job) : undefined;
  }

  /** Resolves when the job has finished (any final state). */
  async wait(id: string): Promise<Job> {
    const e = this.mustGet(id);
    await e.finished;
    return structuredClone(e.job);
  }

  cancel(id: string): void {
    const e = this.mustGet(id);
    if (isFinished(e.job.state)) return;
    if (e.job.state === 'queued') {
      const i = this.queue.indexOf(e);
      if (i >= 0) this.queue.splice(i, 1);
      void this.finish(e, 'cancelled', {
        error: { code: 'cancelled', message: 'Cancelled before it started.' },
      });
      return;
    }
    e.controller.abort(new LadingError('cancelled', 'The job was cancelled.'));
  }

  /** A new job with the same parameters. */
  retry(id: string): string {
    const e = this.mustGet(id);
    if (!isFinished(e.job.state) || e.job.state === 'done' || !e.job.retryable) {
      throw new LadingError('conflict', `Job "${e.job.title}" cannot be retried (it is ${e.job.state}).`, {
        hint: 'Only failed or cancelled jobs can be retried.',
      });
    }
    return this.submit(e.spec);
  }

  /** Remove finished jobs; running and queued ones stay. */
  clear(): string[] {
    const ids = [...this.entries.values()].filter((e) => isFinished(e.job.state)).map((e) => e.job.id);
    for (const id of ids) this.entries.delete(id);
    if (ids.length) this.events.emit('jobs.removed', { ids });
    return ids;
  }

  /** Abort everything (app quit); resolves when all jobs have settled. */
  async shutdown(): Promise<void> {
    for (const e of this.entries.values()) if (!isFinished(e.job.state)) this.cancel(e.job.id);
    await Promise.all([...this.entries.values()].map((e) => e.finished));
  }

  private mustGet(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) {
      throw new LadingError('invalid-input', `There is no job with id "${id}".`, {
        hint: 'It may have been cleared; reload the job list.',
      });
    }
    return e;
  }

  private pump(): void {
    while (this.runningTransfers < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.runningTransfers++;
      void this.start(next).finally(() => {
        this.runningTransfers--;
        this.pump();
      });
    }
  }

  private async start(e: Entry): Promise<void> {
    e.job.state = 'running';
    e.job.startedAt = new Date().toISOString();
    this.emit(e);
    const ctx: JobContext = {
      id: e.job.id,
      signal: e.controller.signal,
      progress: (p) => {
        if (isFinished(e.job.state)) return;
        e.job.progress = p;
        this.emitThrottled(e);
      },
      warn: (message) => {
        e.job.warnings.push(message);
      },
    };
    try {
      const outcome = await e.spec.run(ctx);
      if (e.controller.signal.aborted) throw e.controller.signal.reason;
      await this.finish(e, 'done', outcome);
    } catch (err) {
      const error = e.controller.signal.aborted
        ? { code: 'cancelled' as const, message: 'The job was cancelled.' }
        : toErrorInfo(err);
      await this.finish(e, error.code === 'cancelled' ? 'cancelled' : 'failed', { error });
    }
  }

  private async finish(
    e: Entry,
    state: 'done' | 'failed' | 'cancelled',
    result: Partial<JobOutcome> & { error?: ErrorInfo },
  ): Promise<void> {
    if (e.pendingTimer) clearTimeout(e.pendingTimer);
    e.pendingTimer = undefined;
    e.job.state = state;
    e.job.finishedAt = new Date().toISOString();
    if (result.message) e.job.resultMessage = result.message;
    if (result.digest) e.job.resultDigest = result.digest;
    if (result.warnings) e.job.warnings.push(...result.warnings);
    if (result.error) e.job.error = result.error;
    e.job.retryable = state !== 'done' && e.spec.retryable !== false;
    try {
      await e.spec.onSettled?.(structuredClone(e.job));
    } catch {
      // Clean-up is best effort; the job's own outcome is what the user needs to see.
    }
    this.emit(e);
    e.resolveFinished();
  }

  private emitThrottled(e: Entry): void {
    const wait = e.lastEmit + this.interval - Date.now();
    if (wait <= 0) {
      this.emit(e);
      return;
    }
    // Keep one pending emission so the latest progress always goes out.
    e.pendingTimer ??= setTimeout(() => {
      e.pendingTimer = undefined;
      if (!isFinished(e.job.state)) this.emit(e);
    }, wait);
  }

  private emit(e: Entry): void {
    e.lastEmit = Date.now();
    this.events.emit('jobs.updated', structuredClone(e.job));
  }
}
