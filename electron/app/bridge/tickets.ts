/**
 * One-time download tickets: a plain link cannot send the secret in a header, and a secret in a URL lands in
 * browser history and logs. So the page asks (with the secret, in a header) for a ticket that opens one
 * job's file once, within a minute; the URL carries only that.
 */
import { newSecret } from './security';

export const TICKET_TTL_MS = 60_000;
/** Outstanding tickets kept at most (oldest dropped first), so asking in a loop cannot grow memory. */
export const MAX_TICKETS = 256;

export class DownloadTickets {
  private readonly tickets = new Map<string, { jobId: string; expires: number }>();

  constructor(
    private readonly ttlMs = TICKET_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  issue(jobId: string): string {
    this.prune();
    // A Map iterates in insertion order: the first key is the oldest ticket.
    while (this.tickets.size >= MAX_TICKETS) this.tickets.delete(this.tickets.keys().next().value as string);
    const ticket = newSecret();
    this.tickets.set(ticket, { jobId, expires: this.now() + this.ttlMs });
    return ticket;
  }

  /** True once for a live ticket issued for this job; the ticket is spent by any attempt, right or wrong. */
  redeem(ticket: string | null, jobId: string): boolean {
    if (!ticket) return false;
    const entry = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    return entry !== undefined && entry.jobId === jobId && entry.expires > this.now();
  }

  clear(): void {
    this.tickets.clear();
  }

  private prune(): void {
    const now = this.now();
    for (const [ticket, entry] of this.tickets) if (entry.expires <= now) this.tickets.delete(ticket);
  }
}
