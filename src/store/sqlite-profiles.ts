import type Database from 'better-sqlite3';
import type { ProfileRecord, ProfileStore } from '../types.js';

interface ProfileRow {
  id: string;
  description: string | null;
  config: string;
  created_at: string;
  updated_at: string;
}

/** Profiles created at run time, in the `profiles` table: every process on the file serves them. */
export function sqliteProfiles(db: Database.Database): ProfileStore {
  const list = db.prepare('SELECT * FROM profiles ORDER BY created_at, rowid');
  const find = db.prepare('SELECT * FROM profiles WHERE id = ?');
  const insert = db.prepare('INSERT OR IGNORE INTO profiles (id, description, config, created_at, updated_at) VALUES (@id, @description, @config, @created_at, @updated_at)');
  const update = db.prepare('UPDATE profiles SET description = @description, config = @config, updated_at = @updated_at WHERE id = @id');
  const remove = db.prepare('DELETE FROM profiles WHERE id = ?');
  return {
    listProfiles: () => (list.all() as ProfileRow[]).map(fromRow),
    findProfile(id) {
      const row = find.get(id) as ProfileRow | undefined;
      return row && fromRow(row);
    },
    createProfile(record) {
      return insert.run({ id: record.id, description: record.description, config: JSON.stringify(record.config), created_at: record.createdAt, updated_at: record.updatedAt }).changes > 0;
    },
    updateProfile(id, change) {
      const changed = update.run({ id, description: change.description, config: JSON.stringify(change.config), updated_at: change.updatedAt }).changes > 0;
      if (!changed) return undefined;
      return fromRow(find.get(id) as ProfileRow);
    },
    deleteProfile: (id) => remove.run(id).changes > 0,
  };
}

function fromRow(row: ProfileRow): ProfileRecord {
  return { id: row.id, description: row.description, config: JSON.parse(row.config) as Record<string, unknown>, createdAt: row.created_at, updatedAt: row.updated_at };
}
