/**
 * The yardstick for the check-in path: a bare Express app that parses the
 * JSON body and answers 202 like the real service, with no validation, Redis
 * or Kafka behind it. Started by the benchmark as a child process (so it gets
 * its own event loop, like the real service), on a free port, which it prints
 * as one JSON line on stdout. It exits when its stdin closes, so it never
 * outlives the benchmark.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.post('/attendances', express.json({ limit: '16kb' }), (_req, res) => {
  res.status(202).json({ id: randomUUID(), status: 'accepted' });
});

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
