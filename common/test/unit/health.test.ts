import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyState, healthRouter } from '../../src/health.ts';

let server: ReturnType<ReturnType<typeof express>['listen']>;
let url: string;

beforeAll(async () => {
  const app = express();
  app.use(
    healthRouter({
      mongodb: () => Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:27017 (user admin)')),
      'kafka-consumer': () => Promise.reject(new DependencyState('not-a-member')),
      redis: () => Promise.resolve('PONG'),
    }),
  );
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.close();
});

describe('/readyz', () => {
  it('names each dependency and its state, never a raw error message', async () => {
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({ status: 'not-ready', checks: { mongodb: 'error: unavailable', 'kafka-consumer': 'error: not-a-member', redis: 'ok' } });
    expect(body).not.toContain('10.1.2.3');
  });
});
