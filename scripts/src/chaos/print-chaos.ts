import type { ChaosReport } from './run-chaos.ts';

const answersText = (answers: Record<string, number>): string =>
  Object.entries(answers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}:${count}`)
    .join(' ');

/** The table the issue asks for: one row per scenario. */
export function formatChaosReport(report: ChaosReport): string {
  const header = ['scenario', 'requests', 'answers (retries included)', 'done', 'stored', 'lost', 'double', 'reports=att.', '2nd in 202', 'recovery s'];
  const rows = report.results.map((result) =>
    result.error
      ? [result.scenario, '-', `error: ${result.error}`, '-', '-', '-', '-', '-', '-', '-']
      : [
          result.scenario,
          String(result.requests),
          answersText(result.answers),
          String(result.done),
          String(result.stored),
          String(result.lost),
          String(result.doubleCounted),
          result.reportsEqualAttendances ? 'yes' : 'NO',
          String(result.secondCheckInsAccepted),
          result.recoverySeconds === null ? 'not within drain timeout' : result.recoverySeconds.toFixed(1),
        ],
  );
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    `\nchaos on ${report.day}: ${report.students} students per scenario, ${report.connections} devices at once`,
    line(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
    '',
  ].join('\n');
}
