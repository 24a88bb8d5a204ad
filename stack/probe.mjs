// node stack/probe.mjs kafka|ferretdb PORT — exit 0 when the engine answers its own client:
// Kafka's admin API (kafkajs describeCluster), FerretDB the mongodb driver's ping; 1 when it does
// not (yet); 3 when the driver is missing. The drivers come from the workspace's node_modules
// (`pnpm install`, which ./platform runs first).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));
const [engine, port] = process.argv.slice(2);
const address = `127.0.0.1:${port}`;
setTimeout(() => process.exit(1), 8_000).unref();

async function probe() {
  if (engine === 'kafka') {
    const { Kafka, logLevel } = require('kafkajs');
    const admin = new Kafka({ brokers: [address], logLevel: logLevel.NOTHING, connectionTimeout: 2_000, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      const { brokers } = await admin.describeCluster();
      return brokers.length > 0;
    } finally {
      await admin.disconnect();
    }
  }
  if (engine === 'ferretdb') {
    const { MongoClient } = require('mongodb');
    const client = new MongoClient(`mongodb://${address}`, { serverSelectionTimeoutMS: 3_000, directConnection: true });
    try {
      return (await client.db('admin').command({ ping: 1 })).ok === 1;
    } finally {
      await client.close();
    }
  }
  throw new Error(`unknown engine ${engine}`);
}

probe().then(
  (ok) => process.exit(ok ? 0 : 1),
  (err) => process.exit(err?.code === 'MODULE_NOT_FOUND' ? 3 : 1),
);
