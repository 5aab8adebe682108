import type { ProfileRecord, ProfileStore } from '../types.js';

/** Profiles created at run time, in this process's memory (the in-memory store's). */
export function createMemoryProfiles(): ProfileStore {
  const profiles = new Map<string, ProfileRecord>();
  const copy = (record: ProfileRecord): ProfileRecord => structuredClone(record);
  return {
    listProfiles: () => [...profiles.values()].map(copy),
    findProfile(id) {
      const found = profiles.get(id);
      return found && copy(found);
    },
    createProfile(record) {
      if (profiles.has(record.id)) return false;
      profiles.set(record.id, copy(record));
      return true;
    },
    updateProfile(id, change) {
      const found = profiles.get(id);
      if (!found) return undefined;
      Object.assign(found, structuredClone(change));
      return copy(found);
    },
    deleteProfile: (id) => profiles.delete(id),
  };
}
