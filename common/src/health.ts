import express, { type Router } from 'express';

/** A readiness probe of one dependency: resolves when it answers, rejects otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

/**
 * A rejection that names a state worth showing (`not-a-member`): `/readyz`
 * shows it as `error: <state>`. Any other rejection shows as
 * `error: unavailable` (or `error: timeout`): raw dependency messages
 * (addresses, driver internals) are not for anyone who can reach the port.
 */
export class DependencyState extends Error {
  override name = 'DependencyState';
  constructor(readonly state: string) {
    super(state);
  }
}

class CheckTimeout extends Error {}

function describeFailure(reason: unknown): string {
  if (reason instanceof DependencyState) return `error: ${reason.state}`;
  if (reason instanceof CheckTimeout) return 'error: timeout';
  return 'error: unavailable';
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `/healthz`: the process is up (for restarts). `/readyz`: every dependency
 * answers (for load balancers), and 503 once shutdown has begun so traffic drains.
 */
export function healthRouter(
  checks: Record<string, ReadinessCheck>,
  isStopping: () => boolean = () => false,
  /** Extra facts for the readiness body (the tasks service reports its jobs' last runs). */
  describe: () => Record<string, unknown> = () => ({}),
): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const names = Object.keys(checks);
    const outcomes = await Promise.allSettled(names.map((name) => withTimeout(Promise.resolve().then(checks[name]), CHECK_TIMEOUT_MS)));
    const results: Record<string, string> = {};
    outcomes.forEach((outcome, i) => {
      results[names[i] as string] = outcome.status === 'fulfilled' ? 'ok' : describeFailure(outcome.reason);
    });
    const ready = !isStopping() && outcomes.every((outcome) => outcome.status === 'fulfilled');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : isStopping() ? 'stopping' : 'not-ready', checks: results, ...describe() });
  });
  return router;
}
