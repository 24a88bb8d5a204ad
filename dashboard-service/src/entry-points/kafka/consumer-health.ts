/**
 * What the consumer is doing, in words an operator (and `/readyz`) can use:
 * - `consuming`: a member of its group that fetches, or has nothing to fetch;
 * - `joining`: not (yet) a confirmed member, for less than the stall time;
 * - `not-a-member`: no sign of membership for longer than the stall time;
 * - `not-fetching`: a member, nothing in hand, no batch fetched for longer than the stall time.
 */
export type ConsumerState = 'consuming' | 'joining' | 'not-a-member' | 'not-fetching';

export interface ConsumerAssessment {
  state: ConsumerState;
  /** The state has lasted longer than the stall time while records wait: not ready, and the consumer is `dashboard_consumer_up 0`. */
  stalled: boolean;
  /** Messages waiting in the partitions this member owns (all partitions when it owns none), as of the last lag reading; undefined before the first. */
  lag: number | undefined;
}

/**
 * Keeps the facts the readiness verdict needs, fed by kafkajs instrumentation
 * events, the batch handler and the background lag reader. Nothing here does
 * I/O, so `/readyz` and `/metrics` can ask at any time without waiting on Kafka.
 *
 * Membership is confirmed by a group join, a successful heartbeat or a batch
 * handed over: kafkajs keeps heartbeating while idle or paused, and our batch
 * handler heartbeats while it retries, so a member that stays silent for the
 * stall time has lost its group whatever kafkajs believes.
 */
export class ConsumerHealth {
  private memberConfirmedAt: number | undefined;
  private joinedAt: number | undefined;
  private lastFetchAt: number | undefined;
  private caughtUpAt: number | undefined;
  private resumedAt: number | undefined;
  private assigned = new Set<number>();
  private lagByPartition: Map<number, number> | undefined;
  private inHand = 0;
  /** Where "not a member since" counts from before any sign of membership: the start of the current kafkajs consumer. */
  private launchedAt: number;

  constructor(
    private readonly stallMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.launchedAt = now();
  }

  joined(partitions: number[]): void {
    this.joinedAt = this.now();
    this.memberConfirmedAt = this.joinedAt;
    this.assigned = new Set(partitions);
  }

  heartbeat(): void {
    this.memberConfirmedAt = this.now();
  }

  /** A new kafkajs consumer starts: whatever the old one knew about its membership no longer holds, and the new one gets its time to join. */
  launched(): void {
    this.launchedAt = this.now();
    this.memberConfirmedAt = undefined;
    this.joinedAt = undefined;
    this.assigned = new Set();
  }

  batchStarted(): void {
    this.inHand += 1;
    this.lastFetchAt = this.now();
    this.memberConfirmedAt = this.lastFetchAt;
  }

  batchFinished(): void {
    this.inHand = Math.max(0, this.inHand - 1);
  }

  /** Fetching was paused on purpose and starts again: the stall time counts from now. */
  resumed(): void {
    this.resumedAt = this.now();
  }

  /** Messages behind per partition, from committed offsets and partition ends. */
  lagMeasured(lagByPartition: Map<number, number>): void {
    this.lagByPartition = lagByPartition;
    if (this.lag() === 0) this.caughtUpAt = this.now();
  }

  /** Since when nothing has confirmed that this consumer is a member of its group. */
  notMemberForMs(): number {
    return this.now() - (this.memberConfirmedAt ?? this.launchedAt);
  }

  /**
   * Since when a member has neither fetched nor had nothing to fetch (0 while
   * a batch is in hand: a batch that cannot be stored is a storage outage,
   * which the mongodb check reports, not a consumer that stopped fetching).
   */
  notFetchingForMs(): number {
    if (this.inHand > 0 || this.joinedAt === undefined) return 0;
    return this.now() - Math.max(this.joinedAt, this.lastFetchAt ?? 0, this.caughtUpAt ?? 0, this.resumedAt ?? 0);
  }

  assess(): ConsumerAssessment {
    const lag = this.lag();
    const waiting = lag !== undefined && lag > 0;
    if (this.notMemberForMs() > this.stallMs) return { state: 'not-a-member', stalled: waiting, lag };
    if (this.joinedAt === undefined) return { state: 'joining', stalled: false, lag };
    if (waiting && this.notFetchingForMs() > this.stallMs) return { state: 'not-fetching', stalled: true, lag };
    return { state: 'consuming', stalled: false, lag };
  }

  private isMember(): boolean {
    return this.joinedAt !== undefined && this.notMemberForMs() <= this.stallMs;
  }

  /** A member answers for its own partitions (another member may own the rest); a consumer outside its group for all of them. */
  private lag(): number | undefined {
    if (!this.lagByPartition) return undefined;
    const member = this.isMember();
    let total = 0;
    for (const [partition, lag] of this.lagByPartition) if (!member || this.assigned.has(partition)) total += lag;
    return total;
  }
}
