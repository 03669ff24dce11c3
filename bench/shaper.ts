/**
 * A loopback TCP proxy that behaves like a wide-area link: one-way delay, a rate cap per direction shared by
 * all connections, and a rate cap per connection (what one TCP stream to a CDN-fronted registry gets).
 * Each direction of each connection is a pipe: bytes wait in a bounded input queue (the source is paused
 * when it is full), leave it at the allowed rate, then reach the other side `delayMs` later.
 *
 *   npx tsx bench/shaper.ts --listen 0 --target 127.0.0.1:5000 --delay 20 --rate 200 --stream-rate 50
 * (rates in Mbit/s). bench/run.ts --wan starts one in front of each registry it benches.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface ShapeOptions {
  /** One-way delay in milliseconds (a round trip costs twice this). */
  delayMs: number;
  /** Cap per direction, shared by every connection, in bytes per second. */
  linkBytesPerSec: number;
  /** Cap per connection and direction, in bytes per second. */
  streamBytesPerSec: number;
}

export const mbit = (n: number) => (n * 1e6) / 8;

/** The wide-area profiles of issue #17. */
export const PROFILES: Record<string, ShapeOptions> = {
  cdn: { delayMs: 20, linkBytesPerSec: mbit(200), streamBytesPerSec: mbit(50) },
  slow: { delayMs: 80, linkBytesPerSec: mbit(50), streamBytesPerSec: mbit(20) },
};

/** Scheduler tick; tokens accrue continuously, so this bounds latency added by the shaper itself. */
const TICK_MS = 2;
/**
 * A bucket holds at most this many ticks' worth of tokens (the burst a link allows: 50 ms). Timers fire late
 * on a busy machine, and tokens beyond the cap are lost: with 8 ms one stream got 5.1-5.4 of its 6.25 MB/s
 * (a raw TCP stream through the cdn profile), with 50 ms 6.1-6.2 MB/s.
 */
const BURST_TICKS = 25;
/** Bytes a pipe may hold before it pauses its source (beyond what is in flight on the "wire"). */
const QUEUE_LIMIT = 1024 * 1024;

class Bucket {
  private tokens = 0;
  private last = performance.now();
  constructor(private readonly rate: number) {}

  available(): number {
    const now = performance.now();
    this.tokens = Math.min(
      (this.rate * (BURST_TICKS * TICK_MS)) / 1000,
      this.tokens + ((now - this.last) * this.rate) / 1000,
    );
    this.last = now;
    return Math.floor(this.tokens);
  }

  take(n: number): void {
    this.tokens -= n;
  }
}

/** One direction of one connection. */
class Pipe {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private readonly wire: { at: number; data: Buffer }[] = [];
  private readonly own: Bucket;
  private ended = false;
  private pump: NodeJS.Timeout | undefined;
  private deliver: NodeJS.Timeout | undefined;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly shared: Bucket,
    private readonly opts: ShapeOptions,
  ) {
    this.own = new Bucket(opts.streamBytesPerSec);
    from.on('data', (d: Buffer) => {
      this.queue.push(d);
      this.queued += d.length;
      if (this.queued > QUEUE_LIMIT) from.pause();
      this.schedulePump();
    });
    from.on('end', () => {
      this.ended = true;
      this.schedulePump();
    });
  }

  private schedulePump(): void {
    this.pump ??= setTimeout(() => {
      this.pump = undefined;
      this.sendAllowed();
    }, 0);
  }

  /** Moves what both buckets allow from the queue onto the wire, then comes back while bytes wait. */
  private sendAllowed(): void {
    let allowed = Math.min(this.own.available(), this.shared.available());
    const now = performance.now();
    while (allowed > 0 && this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      const part = head.length <= allowed ? head : head.subarray(0, allowed);
      if (part === head) this.queue.shift();
      else this.queue[0] = head.subarray(allowed);
      allowed -= part.length;
      this.queued -= part.length;
      this.own.take(part.length);
      this.shared.take(part.length);
      this.wire.push({ at: now + this.opts.delayMs, data: part });
    }
    if (this.queued <= QUEUE_LIMIT / 2 && this.from.isPaused()) this.from.resume();
    if (this.queue.length > 0) {
      this.pump ??= setTimeout(() => {
        this.pump = undefined;
        this.sendAllowed();
      }, TICK_MS);
    }
    this.scheduleDelivery();
  }

  private scheduleDelivery(): void {
    if (this.deliver || this.wire.length === 0) {
      if (this.wire.length === 0 && this.queue.length === 0 && this.ended && !this.to.writableEnded)
        this.to.end();
      return;
    }
    const wait = Math.max(0, (this.wire[0] as { at: number }).at - performance.now());
    this.deliver = setTimeout(() => {
      this.deliver = undefined;
      const now = performance.now();
      while (this.wire.length > 0 && (this.wire[0] as { at: number }).at <= now + 0.5) {
        this.to.write((this.wire.shift() as { data: Buffer }).data);
      }
      this.scheduleDelivery();
    }, wait);
  }

  stop(): void {
    clearTimeout(this.pump);
    clearTimeout(this.deliver);
  }
}

export interface Shaper {
  port: number;
  close(): Promise<void>;
}

/** Starts a shaping proxy on 127.0.0.1 in front of `target` (host:port on loopback). */
export async function startShaper(target: string, opts: ShapeOptions, listenPort = 0): Promise<Shaper> {
  const [host, portText] = target.split(':');
  if (!host || !/^(127\.\d+\.\d+\.\d+|localhost)$/.test(host)) {
    throw new Error(`the shaper forwards to loopback only, not ${target}`);
  }
  const up = new Bucket(opts.linkBytesPerSec);
  const down = new Bucket(opts.linkBytesPerSec);
  const sockets = new Set<Socket>();
  // Half-open: a client's FIN must travel the link like its data, not end the reply direction at once.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = tcpConnect({ host, port: Number(portText), allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
    }
    const pipes = [new Pipe(client, upstream, up, opts), new Pipe(upstream, client, down, opts)];
    const teardown = () => {
      for (const p of pipes) p.stop();
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown);
    upstream.on('error', teardown);
    // A clean close travels through the pipes (each ends its destination once its bytes are delivered).
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the shaper has no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function parseCli(argv: string[]): { target: string; listen: number; opts: ShapeOptions } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const profile = PROFILES[get('--profile') ?? 'cdn'] ?? (PROFILES.cdn as ShapeOptions);
  const target = get('--target');
  if (!target)
    throw new Error(
      'usage: shaper.ts --target HOST:PORT [--listen PORT] [--profile cdn|slow] [--delay MS] [--rate MBIT] [--stream-rate MBIT]',
    );
  return {
    target,
    listen: Number(get('--listen') ?? 0),
    opts: {
      delayMs: Number(get('--delay') ?? profile.delayMs),
      linkBytesPerSec: get('--rate') ? mbit(Number(get('--rate'))) : profile.linkBytesPerSec,
      streamBytesPerSec: get('--stream-rate')
        ? mbit(Number(get('--stream-rate')))
        : profile.streamBytesPerSec,
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { target, listen, opts } = parseCli(process.argv.slice(2));
  const shaper = await startShaper(target, opts, listen);
  process.stdout.write(`shaping 127.0.0.1:${shaper.port} -> ${target} (${JSON.stringify(opts)})\n`);
}
