import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/src/shared/free-port.ts';
import { loadDashboards, panelQueries, type PanelQuery } from '../support/grafana.ts';
import { postJson, runAttendanceService, runDashboardService, runTasksService, type RunningService } from '../support/services.ts';
import { randomId, testNamespace } from '../support/stack.ts';
import { waitFor } from '../support/wait-for.ts';

const ns = testNamespace('grafana');
let services: Record<'attendance-service' | 'dashboard-service' | 'tasks', RunningService>;
let prometheus: ChildProcess;
let prometheusUrl: string;
const workDir = mkdtempSync(join(tmpdir(), 'attendance-prometheus-'));
const prometheusDir = new URL('../../stack/prometheus/', import.meta.url);


/** The repo's scrape configuration and alert rules, with the test services' ports as targets and a 1 s interval. */
function writePrometheusConfig(port: number): string {
  const config = parse(readFileSync(new URL('prometheus.yml', prometheusDir), 'utf8')) as { global: Record<string, string>; rule_files?: string[] };
  config.global.scrape_interval = '1s';
  config.global.evaluation_interval = '1s';
  // Rule files are relative to the configuration, which moves to the work directory.
  config.rule_files = config.rule_files?.map((file) => fileURLToPath(new URL(file, prometheusDir)));
  mkdirSync(join(workDir, 'targets'), { recursive: true });
  const targets: Record<string, string> = {
    prometheus: `127.0.0.1:${port}`,
    ...Object.fromEntries(Object.entries(services).map(([job, service]) => [job, service.url.replace('http://', '')])),
  };
  for (const [job, target] of Object.entries(targets)) writeFileSync(join(workDir, 'targets', `${job}.yml`), stringify([{ targets: [target] }]));
  const file = join(workDir, 'prometheus.yml');
  writeFileSync(file, stringify(config));
  return file;
}

interface RuleGroups {
  data: { groups: { rules: { name: string; health: string; state?: string }[] }[] };
}

async function query(expr: string): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
}

beforeAll(async () => {
  services = {
    'attendance-service': await runAttendanceService(ns, {}, undefined, ['school-0', 'school-1', 'school-2', 'school-3']),
    'dashboard-service': await runDashboardService(ns),
    // Jobs every second, so job panels have runs to show.
    tasks: await runTasksService(ns, { ROLLOVER_CRON: '* * * * * *', DLQ_RETRY_CRON: '* * * * * *' }),
  };
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const config = writePrometheusConfig(port);
  prometheus = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${join(workDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  await waitFor(async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok, { what: 'Prometheus to be ready' });

  // A short morning: check-ins (two with a fever), some check-outs, and refused requests.
  const users = Array.from({ length: 40 }, () => randomId());
  const checkIn = (userId: string, i: number) => ({ type: 'checkin', userId, schoolId: `school-${i % 4}`, timestamp: Date.now(), temperature: i < 2 ? 38.5 : 36.6 });
  for (const [i, userId] of users.entries()) expect((await postJson(`${services['attendance-service'].url}/attendances`, checkIn(userId, i))).status).toBe(202);
  for (const [i, userId] of users.slice(0, 15).entries()) {
    expect((await postJson(`${services['attendance-service'].url}/attendances`, { ...checkIn(userId, i), type: 'checkout' })).status).toBe(202);
  }
  for (const [i, userId] of users.slice(0, 5).entries()) expect((await postJson(`${services['attendance-service'].url}/attendances`, checkIn(userId, i))).status).toBe(409);
  expect((await postJson(`${services['attendance-service'].url}/attendances`, { type: 'checkin', schoolId: 'school-0' })).status).toBe(400);
});

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  for (const service of Object.values(services ?? {})) await service.handle.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('Grafana dashboards against a real Prometheus', () => {
  it('every PromQL expression of every panel parses and returns series while the platform runs', async () => {
    await waitFor(async () => Number(((await query('count(up == 1)')).data?.result[0] as { value?: [number, string] } | undefined)?.value?.[1]) === 4, {
      timeoutMs: 30_000,
      what: 'Prometheus to scrape all four jobs',
    });
    const queries = panelQueries(loadDashboards());
    const failing = async (): Promise<string[]> => {
      const outcomes = await Promise.all(
        queries.map(async (panel: PanelQuery) => {
          const answer = await query(panel.expr);
          if (answer.status !== 'success') return `${panel.dashboard} / ${panel.panel} [${panel.refId}]: does not parse: ${answer.error}`;
          return (answer.data?.result.length ?? 0) === 0 ? `${panel.dashboard} / ${panel.panel} [${panel.refId}]: no series for ${panel.expr}` : undefined;
        }),
      );
      return outcomes.filter((outcome): outcome is string => outcome !== undefined);
    };
    // Rates need two scrapes of each counter after the load, and the state-memory gauge a minute-old sample at most.
    await waitFor(async () => (await failing()).length === 0, { timeoutMs: 45_000, intervalMs: 1000, what: 'every panel to have data' }).catch(() => undefined);
    expect(await failing()).toEqual([]);
    expect(queries.length).toBeGreaterThanOrEqual(25);
  });

  it('loads the alert rules, healthy and quiet while the consumer keeps up', async () => {
    const rules = await waitFor(
      async () => {
        const body = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as RuleGroups;
        const all = body.data.groups.flatMap((group) => group.rules);
        return all.length > 0 && all.every((rule) => rule.health === 'ok') ? all : undefined;
      },
      { timeoutMs: 30_000, what: 'every rule to be evaluated' },
    );
    expect(rules.map((rule) => rule.name)).toEqual(expect.arrayContaining(['DashboardConsumerStalledWithLag', 'DashboardConsumerRestartingRepeatedly']));
    expect(rules.find((rule) => rule.name === 'DashboardConsumerStalledWithLag')?.state).toBe('inactive');
  });

  it("passes the rules' own promtool tests (stalled with lag fires after 1 m; a busy consumer never does)", () => {
    const rulesDir = fileURLToPath(new URL('rules/', prometheusDir));
    expect(execFileSync('promtool', ['test', 'rules', 'consumer.test.yml'], { cwd: rulesDir, encoding: 'utf8' })).toContain('SUCCESS');
  });
});
