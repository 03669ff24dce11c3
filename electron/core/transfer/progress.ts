/**
 * The progress model of push and pull: per-layer state and bytes, totals, a smoothed rate and an ETA.
 * Events are plain JSON (the job manager forwards them over IPC / WebSocket) and are emitted at most
 * every `intervalMs` (default 100 ms, i.e. ~10/s), plus once at the end.
 */
import type { TransferProgress } from '../../../shared/types';

export type { TransferProgress } from '../../../shared/types';
export type LayerProgress = TransferProgress['layers'][number];
export type LayerState = LayerProgress['state'];
export type ProgressListener = (p: TransferProgress) => void;

export class ProgressTracker {
  private readonly layers: LayerProgress[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastEmit = 0;
  private rate = 0;
  private lastSampleAt = Date.now();
  private lastSampleBytes = 0;
  private closed = false;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs = 100,
  ) {}

  /** Registers a layer; returns its index for later updates. */
  addLayer(digest: string, size: number, state: LayerState = 'waiting'): number {
    this.layers.push({ digest, size, bytesDone: 0, state });
    this.changed();
    return this.layers.length - 1;
  }

  update(index: number, patch: Partial<LayerProgress>): void {
    const layer = this.layers[index];
    if (!layer) return;
    Object.assign(layer, patch);
    if (layer.bytesDone > layer.size) layer.size = layer.bytesDone;
    this.changed();
  }

  /** Marks a layer finished in `state`, counting all of its bytes as done. */
  finish(index: number, state: LayerState): void {
    const layer = this.layers[index];
    if (!layer) return;
    this.update(index, { state, bytesDone: state === 'failed' ? layer.bytesDone : layer.size });
  }

  snapshot(): TransferProgress {
    const bytesDone = this.layers.reduce((n, l) => n + l.bytesDone, 0);
    const bytesTotal = this.layers.reduce((n, l) => n + l.size, 0);
    const now = Date.now();
    const dt = (now - this.lastSampleAt) / 1000;
    if (dt >= 0.2) {
      const instant = (bytesDone - this.lastSampleBytes) / dt;
      // Exponential smoothing so the ETA does not jump with every chunk.
      this.rate = this.rate === 0 ? instant : this.rate * 0.7 + instant * 0.3;
      this.lastSampleAt = now;
      this.lastSampleBytes = bytesDone;
    }
    const remaining = bytesTotal - bytesDone;
    const eta = this.rate > 0 ? Math.max(0, Math.round(remaining / this.rate)) : undefined;
    return {
      bytesDone,
      bytesTotal,
      rate: Math.round(this.rate),
      ...(eta === undefined ? {} : { eta }),
      layers: this.layers.map((l) => ({ ...l })),
    };
  }

  /** Emits now (end of a transfer) and stops further timed emits. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    this.emit();
  }

  private changed(): void {
    if (!this.listener || this.closed || this.timer) return;
    const wait = Math.max(0, this.lastEmit + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.emit();
    }, wait);
    this.timer.unref?.();
  }

  private emit(): void {
    this.lastEmit = Date.now();
    this.listener?.(this.snapshot());
  }
}

/** Counts bytes flowing through an async iterable. */
export async function* counted(
  source: AsyncIterable<Uint8Array>,
  onBytes: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onBytes(chunk.length);
    yield chunk;
  }
}
