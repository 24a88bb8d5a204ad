import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadDashboards, panelQueries } from '../support/grafana.ts';

const datasources = parse(readFileSync(new URL('../../grafana/provisioning/datasources/prometheus.yml', import.meta.url), 'utf8')) as {
  datasources: { uid: string; type: string }[];
};

describe('Grafana provisioning', () => {
  const dashboards = loadDashboards();

  it('provisions one Prometheus datasource and the operations and schools dashboards', () => {
    expect(datasources.datasources.map((d) => [d.uid, d.type])).toEqual([['prometheus', 'prometheus']]);
    expect(dashboards.map((d) => d.uid).sort()).toEqual(['attendance-operations', 'attendance-schools']);
  });

  it('gives every dashboard a unique uid and every panel a unique id within its dashboard', () => {
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
    for (const dashboard of dashboards) {
      const ids = dashboard.panels.map((panel) => panel.id);
      expect(new Set(ids).size, dashboard.title).toBe(ids.length);
    }
  });

  it('points every panel and query at the provisioned datasource, and every panel has a query', () => {
    const uid = datasources.datasources[0]?.uid;
    for (const dashboard of dashboards) {
      for (const panel of dashboard.panels) {
        expect(panel.datasource?.uid, `${dashboard.title} / ${panel.title}`).toBe(uid);
        expect(panel.targets?.length, `${dashboard.title} / ${panel.title}`).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) expect(target.datasource?.uid, `${dashboard.title} / ${panel.title}`).toBe(uid);
      }
    }
    expect(panelQueries(dashboards).every((query) => query.expr.trim().length > 0)).toBe(true);
  });
});
