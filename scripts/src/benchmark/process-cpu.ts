import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the platform's processes, read from `/proc/<pid>/stat`, so a
 * wave's cost per record can be split by process and the next bottleneck is
 * visible. Pids come from the pid files `./platform` and `stack/stack.sh`
 * write under the stack's state directory (`.stack/run/<name>.pid`).
 */

/** Services (written by ./platform) and engines (written by stack/stack.sh), in the order they are printed. */
export const WATCHED = ['attendance-service', 'dashboard-service', 'tasks', 'kafka', 'redis', 'ferretdb', 'postgres'] as const;
export type WatchedName = (typeof WATCHED)[number] | 'benchmark';

export type CpuSnapshot = Partial<Record<WatchedName, number>>;

interface ProcStat {
  ppid: number;
  /** utime + stime, in clock ticks. */
  own: number;
  /** cutime + cstime: children that exited and were waited for. */
  reapedChildren: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may hold spaces: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (n: number): number => Number(fields[n - 3] ?? 0);
  return { ppid: field(4), own: field(14) + field(15), reapedChildren: field(16) + field(17) };
}

function readPid(stateDir: string, name: string): number | undefined {
  try {
    const pid = Number(readFileSync(`${stateDir}/run/${name}.pid`, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL runs a process per connection: the postmaster's own time, that
 * of its children that ended (cutime/cstime) and of the live ones.
 */
function postgresTicks(postmaster: number, own: ProcStat): number {
  let ticks = own.own + own.reapedChildren;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.ppid === postmaster) ticks += stat.own;
  }
  return ticks;
}

/** CPU seconds used so far by each watched process that runs (absent when its pid file or process is missing), plus this process. */
export function cpuSnapshot(stateDir: string): CpuSnapshot {
  const snapshot: CpuSnapshot = {};
  for (const name of WATCHED) {
    const pid = readPid(stateDir, name);
    const stat = pid === undefined ? undefined : readStat(pid);
    if (pid === undefined || !stat) continue;
    snapshot[name] = (name === 'postgres' ? postgresTicks(pid, stat) : stat.own) / clockTicks();
  }
  const self = process.cpuUsage();
  snapshot.benchmark = (self.user + self.system) / 1e6;
  return snapshot;
}

export interface CpuUse {
  process: WatchedName;
  seconds: number;
  /** CPU seconds per 10,000 records of the wave. */
  per10kRecords: number;
}

/** What each process used between two snapshots, per 10,000 of the wave's records. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, records: number): CpuUse[] {
  const uses: CpuUse[] = [];
  for (const name of [...WATCHED, 'benchmark'] as const) {
    const start = before[name];
    const end = after[name];
    if (start === undefined || end === undefined) continue;
    const seconds = Math.round((end - start) * 100) / 100;
    uses.push({ process: name, seconds, per10kRecords: records > 0 ? Math.round((seconds / records) * 10_000 * 100) / 100 : 0 });
  }
  return uses;
}
