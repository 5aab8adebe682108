import type { ProfileRecord, ProfileStore } from '../types.js';
import type { PgRunner } from './pg-client.js';

interface ProfileRow {
  id: string;
  description: string | null;
  config: string;
  created_at: string;
  updated_at: string;
}

/** Profiles created at run time, in the `profiles` table: every host on the database serves them. */
export function pgProfiles(db: PgRunner): ProfileStore {
  return {
    async listProfiles() {
      return (await db.query<ProfileRow>('SELECT * FROM profiles ORDER BY created_at, seq')).rows.map(fromRow);
    },
    async findProfile(id) {
      const { rows } = await db.query<ProfileRow>('SELECT * FROM profiles WHERE id = $1', [id]);
      return rows[0] && fromRow(rows[0]);
    },
    async createProfile(record) {
      const { rowCount } = await db.query('INSERT INTO profiles (id, description, config, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING',
        [record.id, record.description, JSON.stringify(record.config), record.createdAt, record.updatedAt]);
      return rowCount > 0;
    },
    async updateProfile(id, change) {
      const { rows } = await db.query<ProfileRow>('UPDATE profiles SET description = $2, config = $3, updated_at = $4 WHERE id = $1 RETURNING *', [id, change.description, JSON.stringify(change.config), change.updatedAt]);
      return rows[0] && fromRow(rows[0]);
    },
    async deleteProfile(id) {
      return (await db.query('DELETE FROM profiles WHERE id = $1', [id])).rowCount > 0;
    },
  };
}

function fromRow(row: ProfileRow): ProfileRecord {
  return { id: row.id, description: row.description, config: JSON.parse(row.config) as Record<string, unknown>, createdAt: row.created_at, updatedAt: row.updated_at };
}
