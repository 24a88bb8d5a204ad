import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema as attendanceSchema } from '../../attendance-service/src/config.ts';
import { configSchema as dashboardSchema } from '../../dashboard-service/src/config.ts';
import { configSchema as tasksSchema } from '../../tasks/src/config.ts';

interface ComposeService {
  build?: { args?: Record<string, string> };
  environment?: Record<string, string | number>;
  ports?: string[];
  expose?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
  volumes?: string[];
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };

const services = [
  { name: 'attendance-service', schema: attendanceSchema, port: 8080, needs: ['kafka', 'redis', 'mongo'] },
  { name: 'dashboard-service', schema: dashboardSchema, port: 8081, needs: ['kafka', 'mongo'] },
  { name: 'tasks', schema: tasksSchema, port: 8082, needs: ['kafka', 'redis', 'mongo'] },
] as const;

describe('docker-compose.yml', () => {
  it('runs the engines the design names, with persistent volumes', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['kafka', 'redis', 'mongo', 'prometheus', 'grafana', 'attendance-lb']));
    for (const engine of ['kafka', 'redis', 'mongo']) expect(compose.services[engine]?.volumes?.length).toBeGreaterThan(0);
  });

  describe.each(services)('$name', ({ name, schema, port, needs }) => {
    const service = compose.services[name] as ComposeService;
    const environment = Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]));

    it('sets only variables its config schema knows, and they parse', () => {
      const known = Object.keys(schema.shape);
      expect(Object.keys(environment).filter((key) => !known.includes(key))).toEqual([]);
      expect(schema.safeParse(environment).success).toBe(true);
    });

    it(`listens on ${port}, builds from the shared Dockerfile and waits for healthy dependencies`, () => {
      expect(environment.PORT).toBe(String(port));
      expect(schema.parse({}).PORT).toBe(port);
      expect(service.build?.args?.SERVICE).toBe(name);
      expect([...(service.ports ?? []), ...(service.expose ?? [])].some((mapping) => mapping.endsWith(String(port)))).toBe(true);
      for (const dependency of needs) expect(service.depends_on?.[dependency]?.condition).toBe('service_healthy');
      expect(service.healthcheck?.test.join(' ')).toContain(`${port}/readyz`);
    });
  });

  it('runs several attendance-service replicas behind the load balancer on the public port', () => {
    expect(compose.services['attendance-service']?.deploy?.replicas).toBeGreaterThan(1);
    expect(compose.services['attendance-service']?.ports).toBeUndefined();
    expect(compose.services['attendance-lb']?.ports).toEqual(['8080:8080']);
  });
});
