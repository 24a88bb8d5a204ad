import type { EngineName, PlatformControl } from './platform-control.ts';

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
  inject(context: FaultContext): Promise<void>;
  repair?(context: FaultContext): Promise<void>;
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
