import { readFileSync, readdirSync } from 'node:fs';

export interface PanelQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  panels: { id: number; title: string; datasource?: { uid?: string }; targets?: { refId: string; expr: string; datasource?: { uid?: string } }[] }[];
}

const dashboardsDir = new URL('../../grafana/dashboards/', import.meta.url);

export function loadDashboards(): GrafanaDashboard[] {
  return readdirSync(dashboardsDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(new URL(file, dashboardsDir), 'utf8')) as GrafanaDashboard);
}

/** Every PromQL expression of every panel, with Grafana's interval variables replaced by fixed windows. */
export function panelQueries(dashboards: GrafanaDashboard[]): PanelQuery[] {
  return dashboards.flatMap((dashboard) =>
    dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        dashboard: dashboard.title,
        panel: panel.title,
        refId: target.refId,
        expr: target.expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '15s').replaceAll('$__range', '1h'),
      })),
    ),
  );
}
