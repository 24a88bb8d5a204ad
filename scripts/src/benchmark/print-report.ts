import type { BenchmarkReport } from './run-benchmark.ts';
import type { StatusCounts } from './run-ledger.ts';
import type { Finding } from './verify-persistence.ts';

/** How many findings of each kind are printed (the results file has them all). */
const FINDINGS_SHOWN = 20;

const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;
const pad = (value: string | number, width: number): string => String(value).padStart(width);
const counts = (answers: StatusCounts): string =>
  Object.entries(answers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([answer, n]) => `${answer}: ${n}`)
    .join(', ');

function findings(label: string, list: Finding[]): string[] {
  if (list.length === 0) return [];
  const shown = list.slice(0, FINDINGS_SHOWN).map((finding) => `    ${finding.userId} ${finding.day} ${finding.slot}: expected ${finding.expected ?? '(nothing)'}, found ${finding.found ?? '(nothing)'}`);
  return [`  ${label}: ${list.length}`, ...shown, ...(list.length > FINDINGS_SHOWN ? [`    ... and ${list.length - FINDINGS_SHOWN} more (see the results file)`] : [])];
}

/** The lag a dashboard user sees, the consumer's lag over time, and CPU per process. */
function figures(report: BenchmarkReport): string[] {
  const lines: string[] = [];
  const visible = report.visibleLag;
  if (visible) {
    lines.push(
      `visible    202 to its count in GET /schools/:id (${visible.schools} schools, ${visible.records} records): p50 ${visible.latencyMs.p50} ms, p99 ${visible.latencyMs.p99} ms, max ${visible.latencyMs.max} ms${visible.neverVisible > 0 ? `; ${visible.neverVisible} never shown` : ''}`,
    );
  }
  const lag = report.consumerLag;
  if (lag) {
    const byPhase = new Map<string, string[]>();
    for (const sample of lag.samples) byPhase.set(sample.phase, [...(byPhase.get(sample.phase) ?? []), sample.lag === undefined ? '?' : String(sample.lag)]);
    lines.push(`consumer   lag from the broker every ${lag.intervalSeconds} s (messages not committed by the group), max ${lag.max ?? '?'}`);
    for (const [phase, values] of byPhase) lines.push(`  ${phase.padEnd(9)} ${values.join(' ')}`);
  }
  const cpu = report.cpu;
  if (cpu && cpu.length > 0) {
    lines.push('', `cpu        seconds (per 10,000 records) from /proc, per phase: ${cpu.map((phase) => `${phase.phase} ${phase.records} records`).join(', ')}`);
    lines.push(`process            ${cpu.map((phase) => phase.phase.padStart(20)).join('')}`);
    const names = [...new Set(cpu.flatMap((phase) => phase.uses.map((use) => use.process)))];
    for (const name of names) {
      const cells = cpu.map((phase) => {
        const use = phase.uses.find((entry) => entry.process === name);
        return (use ? `${use.seconds.toFixed(2)} (${use.per10kRecords.toFixed(2)})` : '-').padStart(20);
      });
      lines.push(`${name.padEnd(19)}${cells.join('')}`);
    }
    lines.push(`${'all'.padEnd(19)}${cpu.map((phase) => `${phase.seconds.toFixed(2)} (${(phase.records > 0 ? (phase.seconds / phase.records) * 10_000 : 0).toFixed(2)})`.padStart(20)).join('')}`);
  }
  return lines;
}

/** The report as lines for a terminal. */
export function formatReport(report: BenchmarkReport): string {
  const { target, load, selection, persistence, verification: v } = report;
  const lines: string[] = [
    `target     ${target.url} (database ${target.database}, day ${target.day} ${target.timeZone})`,
    `load       ${load.mode === 'batch' ? `batches of ${load.batchSize}, ${load.batchConcurrency} in flight` : `${load.connections} connections${load.rate === undefined ? '' : `, ${load.rate} req/s target`}`}, ${load.count === undefined ? (load.durationSeconds === undefined ? 'all selected students' : `${load.durationSeconds} s per wave`) : `${load.count} records per wave`}, ${percent(load.duplicates)} duplicates, ${percent(load.invalid)} invalid`,
    `students   ${selection.students} selected from ${selection.schools === 'all' ? 'all schools' : `${selection.schools} schools`} (${selection.how}), ${selection.skippedAlreadyCheckedIn} skipped (already checked in today)`,
    '',
    `wave        records  answered  seconds   req/s  records/s   p50 ms   p90 ms   p99 ms   max ms`,
  ];
  for (const wave of report.waves) {
    lines.push(
      `${wave.wave.padEnd(10)} ${pad(wave.records, 8)} ${pad(wave.answered, 9)} ${pad(wave.durationSeconds.toFixed(2), 8)} ${pad(wave.requestsPerSecond, 7)} ${pad(wave.recordsPerSecond, 10)} ${pad(wave.latencyMs.p50, 8)} ${pad(wave.latencyMs.p90, 8)} ${pad(wave.latencyMs.p99, 8)} ${pad(wave.latencyMs.max, 8)}`,
    );
  }
  for (const wave of report.waves) {
    lines.push(`${wave.wave.padEnd(10)} ${counts(wave.answers)}${wave.errors > 0 ? ` (${wave.errors} connection errors/timeouts)` : ''}`);
    for (const [kind, answers] of Object.entries(wave.byKind)) lines.push(`  ${kind.padEnd(9)} ${counts(answers)}`);
    if (wave.serverLatency) {
      const { p50Ms, p99Ms, within100Ms, requests } = wave.serverLatency;
      lines.push(`  attendance-service's own timing of ${requests} check-in requests: p50 ${p50Ms} ms, p99 ${p99Ms} ms${within100Ms === undefined ? '' : `, ${(within100Ms * 100).toFixed(2)} % within 100 ms`}`);
    }
    if (wave.generatorDelayMs) lines.push(`  the load generator's event loop ran late by p99 ${wave.generatorDelayMs.p99} ms, max ${wave.generatorDelayMs.max} ms`);
    if (wave.stoppedByDuration) lines.push(`  stopped after the duration with ${wave.records} of its planned records sent`);
    if (wave.ranOutOfStudents) lines.push(`  sent every planned record before the duration was up (raise --limit for a longer wave)`);
  }
  if (report.baseline) {
    const b = report.baseline;
    lines.push('', `baseline   bare Express app: ${b.requestsPerSecond} req/s (p50 ${b.latencyMs.p50} ms, p99 ${b.latencyMs.p99} ms); check-in path = ${b.ratio} x baseline`);
  }
  lines.push('');
  if (persistence.complete) {
    lines.push(`stored     all ${persistence.accepted} accepted records${persistence.msFromLast202 === undefined ? '' : `, ${persistence.msFromLast202} ms from the last 202 to full persistence (seen in the ${persistence.by})`}`);
  } else {
    lines.push(`stored     NOT COMPLETE: ${persistence.pending} of ${persistence.accepted} accepted records still missing when the wait ended`);
  }
  const summary = `${v.acceptedCheckIns} check-ins and ${v.acceptedCheckOuts} check-outs accepted; ${v.documents} records stored for ${v.participants} students${v.uncertainUsers > 0 ? ` (+${v.uncertainDocuments} of ${v.uncertainUsers} students with an unknown outcome, not judged)` : ''}`;
  if (v.ok) {
    lines.push(`verified   OK: ${summary}; nothing missing or extra; reports match attendances`);
  } else {
    lines.push(`verified   FAILED: ${summary}`);
    lines.push(...findings('missing (202 but not stored)', v.missing), ...findings('extra (stored without a 202)', v.extra), ...findings('mismatched record ids', v.mismatched));
    if (v.reportMismatches.length > 0) {
      lines.push(`  reports that do not match attendances: ${v.reportMismatches.length}`);
      for (const m of v.reportMismatches.slice(0, FINDINGS_SHOWN)) lines.push(`    ${m.schoolId} ${m.day}: attendances ${JSON.stringify(m.fromAttendances)}, reports ${JSON.stringify(m.fromReports)}`);
    }
  }
  lines.push(...figures(report));
  if (report.dashboardStatsToday !== undefined) lines.push(`dashboard  /stats/today ${JSON.stringify(report.dashboardStatsToday)}`);
  for (const note of report.notes) lines.push(`note       ${note}`);
  return `${lines.join('\n')}\n`;
}
