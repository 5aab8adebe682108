import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { type PgStore, createPgStore } from '../../src/store/pg-store.js';

/**
 * A database of its own for the calling test file, on the run's PostgreSQL server
 * (test/setup/postgres.ts): files run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(label: string): Promise<string> {
  const server = inject('postgresUrl');
  const name = `t_${label.replace(/\W/g, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(`${server}/postgres`);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return `${server}/${name}`;
}

/**
 * Fresh, empty PostgreSQL stores for a contract suite, opened synchronously as the other stores
 * are: each on a schema of its own (made beforehand, `count` of them) in the file's database.
 * Every store opened is closed after the file.
 */
export async function postgresStores(label: string, count: number): Promise<{ url: string; open(): PgStore; pair(): [PgStore, PgStore]; urlOf(schema: number): string; readonly urlCount: number }> {
  const url = await createTestDatabase(label);
  const client = new pg.Client(url);
  await client.connect();
  for (let n = 0; n < count; n++) await client.query(`CREATE SCHEMA s${n}`);
  await client.end();
  const opened: PgStore[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((store) => store.close()));
  });
  let next = 0;
  const urlOf = (schema: number) => `${url}?options=${encodeURIComponent(`-c search_path=s${schema}`)}`;
  return {
    url,
    urlOf,
    /** Schemas handed out so far: `urlOf(urlCount - 1)` is the last store's. */
    get urlCount() {
      return next;
    },
    open() {
      if (next >= count) throw new Error(`postgresStores("${label}") made ${count} schemas: ask for more.`);
      const store = createPgStore(urlOf(next++));
      opened.push(store);
      return store;
    },
    /** Two stores on one fresh schema: two hosts sharing a database. */
    pair() {
      if (next >= count) throw new Error(`postgresStores("${label}") made ${count} schemas: ask for more.`);
      const schema = urlOf(next++);
      const stores: [PgStore, PgStore] = [createPgStore(schema), createPgStore(schema)];
      opened.push(...stores);
      return stores;
    },
  };
}
