/**
 * The proxy mounted in an Express 5 app, as README "Mount in the server you have" shows it; run as
 * a child process by the benchmark. Environment: BENCH_UPSTREAM (an OpenAI base URL with /v1),
 * BENCH_DB (the SQLite file). Prints `LISTENING <port>` once ready.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createProxy } from '../src/index.js';
import { BENCH_POLICIES } from './policies.js';
import { expressProxy } from '../src/ways-in/express.js';

const proxy = createProxy({
  providers: { openai: { baseUrl: process.env.BENCH_UPSTREAM } },
  store: process.env.BENCH_DB ?? ':memory:',
  policies: BENCH_POLICIES,
});

const app = express();
app.use('/v1', expressProxy(proxy));
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`);
});

process.on('SIGTERM', () => {
  server.close();
  server.closeIdleConnections();
  void proxy.close().finally(() => process.exit(0));
});
