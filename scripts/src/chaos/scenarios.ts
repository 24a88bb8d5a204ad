import { pollUntil } from '../shared/poll-until.ts';
import type { EngineName, ExtraInstance, PlatformControl } from './platform-control.ts';

export interface FaultContext {
  control: PlatformControl;
  /** FLUSHALL on the platform's Redis, as a mistaken operator would. */
  flushRedis: () => Promise<void>;
  note: (message: string) => void;
}

/**
 * One fault. `inject` runs while the morning wave is under way and returns
 * once the fault is over (the process or engine is back). `repair`, when
 * set, is what an operator does after the morning's records are stored.
 */
export interface Scenario {
  name: string;
  fault: string;
  /** Runs before the morning wave: what must already be in place when the fault strikes. */
  prepare?(context: FaultContext): Promise<void>;
  inject(context: FaultContext): Promise<void>;
  repair?(context: FaultContext): Promise<void>;
  /** Stops whatever the scenario started, when it could not complete. */
  cleanup?(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An engine stopped for a while, then started again. */
function engineOutage(engine: EngineName, label: string, seconds: number): Omit<Scenario, 'name'> {
  return {
    fault: `${label} stopped for ${seconds} s, started again`,
    async inject({ control }) {
      await control.stopEngine(engine);
      await pause(seconds * 1000);
      await control.startEngine(engine);
    },
  };
}

/** The sum of a counter's series in a Prometheus text exposition. */
async function counterSum(url: string, name: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((response) => response.text());
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/**
 * Two consumers share the group before the morning starts (the platform's
 * own has rebalanced to make room for the second); during the wave the
 * platform's own is killed with kill -9 and its partitions move to the
 * second once the broker gives up on its session. The first comes back and
 * the second stops (gracefully) once the morning is stored.
 */
function twoConsumersKillOne(): Omit<Scenario, 'name'> {
  let second: ExtraInstance | undefined;
  return {
    fault: 'two dashboard-services share the group; the platform\'s own is killed with kill -9 during the wave',
    async prepare({ control, note }) {
      const first = control.serviceUrl('dashboard-service');
      const rejoinsBefore = await counterSum(first, 'dashboard_consumer_rejoins_total');
      second = await control.startSecondInstance('dashboard-service');
      // The platform's consumer rejoins once the group has rebalanced around the newcomer: both then own partitions.
      const rebalanced = await pollUntil(() => counterSum(first, 'dashboard_consumer_rejoins_total'), (rejoins) => rejoins > rejoinsBefore, { timeoutMs: 90_000, intervalMs: 250 });
      if (!rebalanced.done) throw new Error('the group did not rebalance around the second dashboard-service within 90 s');
      note(`second dashboard-service (pid ${second.pid}) shares the group`);
    },
    async inject({ control, note }) {
      note(`killed dashboard-service (pid ${await control.killService('dashboard-service')}); its partitions move to the second once its session expires`);
    },
    async repair({ control, note }) {
      await control.startMissing();
      await second?.stop();
      note(`the platform's dashboard-service is back; the second (pid ${second?.pid}) stopped`);
      second = undefined;
    },
    async cleanup() {
      await second?.stop();
      second = undefined;
    },
  };
}

export const scenarios = {
  'kill-attendance': {
    fault: 'kill -9 attendance-service, start it again',
    async inject({ control, note }) {
      note(`killed attendance-service (pid ${await control.killService('attendance-service')})`);
      await control.startMissing();
    },
  },
  'kill-consumer-twice': {
    fault: 'kill -9 dashboard-service (the consumer) twice, start it again',
    async inject({ control, note }) {
      for (const round of [1, 2]) {
        note(`killed dashboard-service (pid ${await control.killService('dashboard-service')}), round ${round}`);
        await control.startMissing();
        // Long enough for the new instance to rejoin the group and store a batch before the next kill.
        if (round === 1) await pause(5_000);
      }
    },
  },
  'two-consumers-kill-one': twoConsumersKillOne(),
  'kafka-stop-20s': engineOutage('kafka', 'Kafka', 20),
  'ferretdb-stop-30s': engineOutage('ferretdb', 'the MongoDB-wire store (FerretDB)', 30),
  'redis-restart': {
    fault: 'Redis restarted (AOF kept)',
    async inject({ control }) {
      await control.stopEngine('redis');
      await control.startEngine('redis');
    },
  },
  'redis-flushall-rebuild': {
    fault: 'Redis emptied with FLUSHALL, then the rebuild job',
    async inject({ flushRedis }) {
      await flushRedis();
    },
    async repair({ control, note }) {
      const code = await control.runJob('rebuild');
      note(`rebuild job exited ${code}`);
      if (code !== 0) throw new Error(`the rebuild job failed (exit ${code})`);
    },
  },
} satisfies Record<string, Omit<Scenario, 'name'>>;

export type ScenarioName = keyof typeof scenarios;
export const scenarioNames = Object.keys(scenarios) as ScenarioName[];

export function scenarioNamed(name: ScenarioName): Scenario {
  return { name, ...scenarios[name] };
}
