import { profileSchema, type ResolvedConfig } from '../config/schema.js';
import type { ProfileRecord, ProfileStore } from '../types.js';

type ResolvedProfile = ResolvedConfig['profiles'][string];

export interface ProfileBook {
  /** Configured and stored profile ids: the set routing reads (kept up to date in place). */
  readonly ids: Set<string>;
  /** True for a profile of the configuration (read-only through the admin API). */
  isConfigured(id: string): boolean;
  /** The stored profiles being served, oldest first. */
  stored(): ProfileRecord[];
  /** Reloads the stored profiles when the last load is older than the refresh bound; null when fresh (no wait). */
  refreshIfStale(): Promise<void> | null;
  /** Reloads them now (the admin API lists what the store holds). */
  refresh(): Promise<void>;
  /** Serves a profile this process created or changed, at once. */
  put(record: ProfileRecord): void;
  /** Stops serving a profile this process deleted, at once. */
  remove(id: string): void;
}

export interface ProfileBookHooks {
  /** A stored profile was added, changed or removed (`profile` undefined): per-profile caches must forget it. */
  changed(id: string, profile: ResolvedProfile | undefined): void;
}

/**
 * The profiles the proxy serves: the configured ones, and those created at run time in the store
 * (`Store.profiles`). Stored profiles are resolved into `config.profiles` in place, so every stage
 * reads one record; they are reloaded from the store at most every `refreshMs` (what another
 * process sharing the store changed is served that late at most), and this process's own changes
 * apply at once. A configured id always wins over a stored one; a stored profile that no longer
 * validates is not served (its path answers 404), and said so once.
 */
export function createProfileBook(config: ResolvedConfig, store: ProfileStore | undefined, refreshMs: number, hooks: ProfileBookHooks): ProfileBook {
  const configured = new Set(Object.keys(config.profiles));
  const ids = new Set(configured);
  const records = new Map<string, ProfileRecord>();
  const reported = new Set<string>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | null = null;
  let failing = false;

  function put(record: ProfileRecord): void {
    if (configured.has(record.id)) return;
    const parsed = profileSchema.safeParse(record.config);
    const previous = records.get(record.id);
    if (previous && previous.updatedAt === record.updatedAt && JSON.stringify(previous.config) === JSON.stringify(record.config)) return;
    if (!parsed.success) {
      if (!reported.has(record.id)) console.error(`[archestra] stored profile "${record.id}" is not valid and is not served: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      reported.add(record.id);
      remove(record.id);
      return;
    }
    records.set(record.id, record);
    config.profiles[record.id] = parsed.data;
    ids.add(record.id);
    hooks.changed(record.id, parsed.data);
  }

  function remove(id: string): void {
    if (configured.has(id) || !records.has(id)) return;
    records.delete(id);
    delete config.profiles[id];
    ids.delete(id);
    hooks.changed(id, undefined);
  }

  async function load(): Promise<void> {
    if (!store) return;
    try {
      const listed = await store.listProfiles();
      const seen = new Set(listed.map((record) => record.id));
      for (const id of [...records.keys()]) if (!seen.has(id)) remove(id);
      for (const record of listed) put(record);
      failing = false;
    } catch (error) {
      // The profiles last loaded stay served; the next request tries again after the bound.
      if (!failing) console.error('[archestra] the stored profiles could not be loaded; serving those loaded before:', error instanceof Error ? error.message : error);
      failing = true;
    } finally {
      loadedAt = performance.now();
    }
  }

  function refresh(): Promise<void> {
    loading ??= load().finally(() => {
      loading = null;
    });
    return loading;
  }

  return {
    ids,
    isConfigured: (id) => configured.has(id),
    stored: () => [...records.values()],
    refreshIfStale() {
      if (!store) return null;
      if (loading) return loading;
      return performance.now() - loadedAt >= refreshMs ? refresh() : null;
    },
    refresh,
    put,
    remove,
  };
}
