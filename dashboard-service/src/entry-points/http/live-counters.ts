import type { Logger } from '@attendance/common/config';
import type { Response } from 'express';

/** One open stream: the response it writes to. */
interface Client {
  res: Response;
}

interface Channel {
  clients: Set<Client>;
  /** The body last sent, as JSON text, and its event id. */
  last?: { json: string; id: number };
  lastSentAt: number;
}

export interface LiveCountersOptions {
  /** Computes a channel's current body (the same JSON as its GET route); undefined: nothing to send yet. */
  bodyOf: (channel: string) => Promise<unknown>;
  /** How often channels are looked at; an event still goes out at most once a second per channel. */
  checkEveryMs: number;
  heartbeatMs: number;
  maxClients: number;
  logger: Logger;
}

/** Events per channel: at most one a second, as the issue asks. */
const MIN_EVENT_GAP_MS = 1_000;

/**
 * Server-Sent Events for today's counters. Every channel (`stats`, or
 * `school:<id>`) is computed once per check, whatever the number of its
 * clients, from the figures the read API serves (read from the stored
 * partition reports, so an event is never ahead of the database), and sent
 * only when it changed. Event ids grow monotonically, across restarts too
 * (they start from the clock), so a client's `Last-Event-ID` tells whether it
 * missed the latest counters. A comment line every `heartbeatMs` keeps
 * proxies from closing a quiet stream.
 */
export class LiveCounters {
  private readonly channels = new Map<string, Channel>();
  private clients = 0;
  private lastId = Date.now();
  private readonly checkTimer: NodeJS.Timeout;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private checking = false;
  private closed = false;

  constructor(private readonly options: LiveCountersOptions) {
    this.checkTimer = setInterval(() => void this.check(), options.checkEveryMs);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), options.heartbeatMs);
    this.checkTimer.unref();
    this.heartbeatTimer.unref();
  }

  get size(): number {
    return this.clients;
  }

  isFull(): boolean {
    return this.closed || this.clients >= this.options.maxClients;
  }

  /**
   * Starts the stream on `res`: headers, then the current counters unless
   * the client's `Last-Event-ID` already is the latest event of the channel.
   */
  async open(channel: string, res: Response, lastEventId: string | undefined): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.write('retry: 2000\n\n');
    const client: Client = { res };
    let entry = this.channels.get(channel);
    if (!entry) {
      // Kept after its last client leaves (one small entry per school at most), so a returning client's Last-Event-ID still means something.
      entry = { clients: new Set(), lastSentAt: 0 };
      this.channels.set(channel, entry);
    }
    // A channel nobody watched was not kept fresh: bring it up to date first (its watchers, if any, keep it within a second).
    const unwatched = entry.clients.size === 0;
    entry.clients.add(client);
    this.clients += 1;
    res.on('close', () => {
      if (entry.clients.delete(client)) this.clients -= 1;
    });
    if (unwatched || !entry.last) await this.refresh(channel, entry, false);
    const latest = entry.last;
    const seen = lastEventId === undefined ? Number.NaN : Number(lastEventId);
    if (latest && !(seen >= latest.id)) res.write(eventText(latest));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.checkTimer);
    clearInterval(this.heartbeatTimer);
    for (const entry of this.channels.values()) for (const client of entry.clients) client.res.end();
    this.channels.clear();
    this.clients = 0;
  }

  private nextId(): number {
    this.lastId = Math.max(this.lastId + 1, Date.now());
    return this.lastId;
  }

  /** Recomputes a channel's body; sends it to its clients when it changed (and `send`). */
  private async refresh(channel: string, entry: Channel, send: boolean): Promise<void> {
    const body = await this.options.bodyOf(channel);
    if (body === undefined) return;
    const json = JSON.stringify(body);
    if (entry.last?.json === json) return;
    entry.last = { json, id: this.nextId() };
    entry.lastSentAt = Date.now();
    if (!send) return;
    const text = eventText(entry.last);
    for (const client of entry.clients) client.res.write(text);
  }

  /** Looks at every watched channel now (after each read of the figures), as well as on its own tick. */
  readonly checkNow = (): void => void this.check();

  private async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const now = Date.now();
      for (const [channel, entry] of this.channels) {
        if (entry.clients.size === 0 || now - entry.lastSentAt < MIN_EVENT_GAP_MS) continue;
        await this.refresh(channel, entry, true);
      }
    } catch (err) {
      this.options.logger.warn({ err }, 'live counters not refreshed');
    } finally {
      this.checking = false;
    }
  }

  private heartbeat(): void {
    for (const entry of this.channels.values()) for (const client of entry.clients) client.res.write(': heartbeat\n\n');
  }
}

function eventText(event: { json: string; id: number }): string {
  return `id: ${event.id}\nevent: counters\ndata: ${event.json}\n\n`;
}
