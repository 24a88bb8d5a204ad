import { BackgroundRefresh } from '@attendance/common';
import type { Logger } from '@attendance/common/config';
import { addDays, dayOf, type PartitionReport, type SchoolCounts, sumPartitionReports } from '@attendance/common/records';

/** Where the figures come from: `ReportRepository`. */
export interface PartitionReportReader {
  partitionReportsOf(day: string, partitionCount: number): Promise<PartitionReport[]>;
}

export interface OpenDayFiguresOptions {
  timeZone: string;
  now: () => number;
  /** How often today's figures are read again: what a dashboard lags behind the store at most. */
  refreshMs: number;
  /** Days before today that records can still reach (devices send up to 48 h late): read less often. */
  openDays: number;
  /** A read that takes longer is logged; the next one starts only when it has ended. */
  slowMs: number;
  logger: Logger;
}

interface Snapshot {
  bySchool: Map<string, SchoolCounts>;
  readAt: number;
}

/** Past open days change only through late records: every this many refreshes of today. */
const PAST_DAYS_EVERY = 15;

/**
 * Today's (and the other open days') per-school figures, read from the
 * partition reports in the background and served from memory.
 *
 * The store's etiquette (DESIGN.md): one read at a time, never overlapping
 * (the next is scheduled when the last has ended), and no request or scrape
 * ever waits on it: they get the last figures, at most `refreshMs` plus one
 * read old. At 1,000 schools a day is a handful of documents read by `_id`,
 * whatever the number of schools or records.
 */
export class OpenDayFigures {
  private readonly days = new Map<string, Snapshot>();
  private readonly background: BackgroundRefresh;
  private round = 0;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly reports: PartitionReportReader,
    private readonly partitionCount: () => Promise<number>,
    private readonly options: OpenDayFiguresOptions,
  ) {
    this.background = new BackgroundRefresh(() => this.refresh(), options.refreshMs, (err) => options.logger.warn({ err }, 'report figures not refreshed; serving the last ones'));
  }

  /** Reads every open day once (so the first answers are right), then keeps them fresh. */
  start(): Promise<void> {
    return this.background.start();
  }

  stop(): Promise<void> {
    return this.background.stop();
  }

  today(): string {
    return dayOf(this.options.now(), this.options.timeZone);
  }

  /** Whether `day` is read from the partition reports (true) or from the closed reports. */
  isOpen(day: string): boolean {
    const today = this.today();
    return day <= today && day >= addDays(today, -this.options.openDays);
  }

  /** Per-school counts of an open day as of the last read; empty when nothing was stored yet. */
  bySchool(day: string): Map<string, SchoolCounts> {
    return this.days.get(day)?.bySchool ?? new Map<string, SchoolCounts>();
  }

  /** Calls `listener` after every read (live counters push right away instead of waiting for their own tick). */
  onRefreshed(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Milliseconds since today's figures were read. */
  ageMs(): number {
    const snapshot = this.days.get(this.today());
    return snapshot ? this.options.now() - snapshot.readAt : Number.POSITIVE_INFINITY;
  }

  private async refresh(): Promise<void> {
    const started = this.options.now();
    const today = this.today();
    const pastToo = this.round % PAST_DAYS_EVERY === 0;
    this.round += 1;
    const days = [today, ...(pastToo ? Array.from({ length: this.options.openDays }, (_, i) => addDays(today, -(i + 1))) : [])];
    const partitions = await this.partitionCount();
    for (const day of days) {
      const bySchool = sumPartitionReports(await this.reports.partitionReportsOf(day, partitions));
      this.days.set(day, { bySchool, readAt: this.options.now() });
    }
    for (const day of this.days.keys()) if (!this.isOpen(day)) this.days.delete(day);
    for (const listener of this.listeners) listener();
    const took = this.options.now() - started;
    if (took > this.options.slowMs) this.options.logger.warn({ tookMs: took, days: days.length }, 'reading report figures was slow');
  }
}
