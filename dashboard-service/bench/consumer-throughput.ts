/**
 * How fast the consumer stores records into the MongoDB-wire server.
 *
 *   pnpm --filter @attendance/dashboard-service bench:consumer [--records 100000] [--schools 1000] [--postgres-url URL]
 *
 * Puts N/2 check-in events, then a check-out for each of those students, on a
 * fresh topic, starts the dashboard service on it, and times until the
 * partition reports (the consumer's counts) add up to every record. The
 * default spreads records over the design's 1,000 schools, as in production. Uses a fresh database and consumer group, so it never touches real
 * data. With `--postgres-url` (FerretDB's PostgreSQL, as `stack/stack.sh env`
 * prints it), the database first gets the indexes `./platform up` adds
 * (stack/ferretdb-indexes.sql), so inserts pay what they pay in production.
 * Prints progress and figures, writes results/consumer-throughput.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createLogger } from '@attendance/common/config';
import { createKafka, ensureTopic } from '@attendance/common/kafka';
import { connectMongo } from '@attendance/common/mongo';
import { type AttendanceEvent, fromPartitionReportDocument, PARTITION_REPORTS_COLLECTION, type PartitionReportDocument, sumPartitionReports } from '@attendance/common/records';
import { Partitioners } from 'kafkajs';
import { readConfig } from '../src/config.ts';
import { start } from '../src/start.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    schools: { type: 'string', default: '1000' },
    brokers: { type: 'string', default: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' },
    'mongo-base-url': { type: 'string', default: process.env.MONGO_BASE_URL ?? 'mongodb://127.0.0.1:27017' },
    'keep-data': { type: 'boolean', default: false },
    'postgres-url': { type: 'string' },
  },
});
const checkIns = Math.floor(Number(values.records) / 2);
const checkOuts = Number(values.records) - checkIns;
const run = randomBytes(3).toString('hex');
const topic = `bench.consumer.${run}`;
const database = `bench_consumer_${run}`;
const logger = createLogger('bench', 'warn');
const day = new Date().toISOString().slice(0, 10);

const kafka = createKafka('bench', values.brokers.split(','), logger);
const admin = kafka.admin();
await admin.connect();
await ensureTopic(admin, topic, 6);
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
const event = (i: number, type: 'checkin' | 'checkout'): AttendanceEvent => ({
  id: randomUUID(),
  type,
  userId: String(1_000_000 + i),
  schoolId: `school-${String(i % Number(values.schools)).padStart(4, '0')}`,
  timestamp: new Date().toISOString(),
  day,
  temperature: i % 50 === 0 ? 38.4 : 36.6,
  receivedAt: new Date().toISOString(),
});
process.stderr.write(`producing ${checkIns} check-ins and ${checkOuts} check-outs to ${topic}…\n`);
for (const [type, count] of [['checkin', checkIns], ['checkout', checkOuts]] as const) {
  for (let i = 0; i < count; i += 5000) {
    const events = Array.from({ length: Math.min(5000, count - i) }, (_, j) => event(i + j, type));
    await producer.send({ topic, acks: -1, messages: events.map((e) => ({ key: e.userId, value: JSON.stringify(e) })) });
  }
}
await producer.disconnect();

const { client, db } = await connectMongo(`${values['mongo-base-url']}/${database}`);
if (values['postgres-url'] !== undefined) {
  await db.createCollection('attendances');
  execFileSync('psql', [values['postgres-url'], '-q', '-v', 'ON_ERROR_STOP=1', '-v', `db=${database}`, '-f', fileURLToPath(new URL('../../stack/ferretdb-indexes.sql', import.meta.url))], { stdio: 'inherit' });
}
const started = Date.now();
const service = await start({
  config: readConfig({ PORT: '0', KAFKA_BROKERS: values.brokers, KAFKA_TOPIC: topic, KAFKA_GROUP_ID: `bench-${run}`, MONGO_URL: `${values['mongo-base-url']}/${database}`, LOG_LEVEL: 'warn' }),
  logger,
});
/** Records the partition reports count (the consumer writes them last in a batch, after the records). */
async function storedRecords(): Promise<number> {
  const documents = await db.collection<PartitionReportDocument>(PARTITION_REPORTS_COLLECTION).find({}).toArray();
  const reports = documents.map(fromPartitionReportDocument);
  let total = 0;
  for (const counts of sumPartitionReports(reports).values()) total += counts.checkIns + counts.checkOuts;
  return total;
}
let stored = 0;
while (stored < checkIns + checkOuts) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  stored = await storedRecords();
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`\rstored ${stored.toLocaleString()} / ${(checkIns + checkOuts).toLocaleString()} (${Math.round(stored / seconds).toLocaleString()} records/s)   `);
}
const seconds = (Date.now() - started) / 1000;
process.stderr.write('\n');
await service.stop();
const result = { records: checkIns + checkOuts, checkIns, checkOuts, schools: Number(values.schools), ferretdbIndexes: values['postgres-url'] !== undefined, seconds, recordsPerSecond: Math.round((checkIns + checkOuts) / seconds), attendances: await db.collection('attendances').estimatedDocumentCount() };
console.table([result]);
if (!values['keep-data']) await db.dropDatabase();
await client.close();
await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
await admin.disconnect();
mkdirSync(new URL('../../results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../../results/consumer-throughput.json', import.meta.url), `${JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2)}\n`);
