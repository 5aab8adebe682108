import type { ResolvedConfig } from '../config/schema.js';
import type { ProfileBook } from '../pipeline/profile-book.js';
import { DEFAULT_PROFILE_ID } from '../pipeline/route.js';
import { providerAdapters } from '../providers/registry.js';
import { PROVIDER_NAMES, type ProfileRecord, type ProfileStore, type ProviderName } from '../types.js';
import { adminError } from './admin-error.js';
import { createProfileBody, updateProfileBody } from './schemas.js';
import { parseBody } from './validate.js';

export interface ProfilesDeps {
  config: ResolvedConfig;
  book: ProfileBook;
  store: ProfileStore | undefined;
}

/** A profile as the API shows it. */
export interface ProfileView {
  id: string;
  source: 'config' | 'store';
  readOnly: boolean;
  description?: string;
  createdAt?: string;
  updatedAt?: string;
  /** The base URL to give each provider's SDK. */
  connect: Partial<Record<ProviderName, string>>;
  /** Its settings: as stored, or the configuration's (defaults filled in, provider keys left out). */
  config: Record<string, unknown>;
}

/**
 * `GET /admin/api/profiles`, `POST /admin/api/profiles`, `GET|PUT|DELETE /admin/api/profiles/{id}`.
 * Configured profiles (the default one included) are listed read-only; stored ones are served as
 * soon as they are written (this process) or within `admin.profileRefreshMs` (other processes).
 */
export async function handleProfiles(request: Request, segments: readonly string[], deps: ProfilesDeps): Promise<Response> {
  const { book, store } = deps;
  if (segments.length === 0) {
    if (request.method === 'GET') {
      await book.refresh();
      const base = connectBase(request, deps.config.admin.proxyUrl);
      const configured = [DEFAULT_PROFILE_ID, ...Object.keys(deps.config.profiles).filter((id) => book.isConfigured(id))];
      return Response.json({ profiles: [...configured.map((id) => configuredView(id, deps.config, base)), ...book.stored().map((record) => storedView(record, base))] });
    }
    if (request.method !== 'POST') return adminError(405, `${request.method} is not served here; use GET or POST.`, { allow: 'GET, POST' });
    if (!store) return noStore();
    const body = await parseBody(createProfileBody, request);
    if (body.error) return body.error;
    const { id, description } = body.data;
    if (book.isConfigured(id)) return readOnly(id);
    const now = new Date().toISOString();
    const record: ProfileRecord = { id, description: description ?? null, config: sentSettings(body.sent), createdAt: now, updatedAt: now };
    if (!(await store.createProfile(record))) return adminError(409, `A profile with the id "${id}" exists; change it with PUT /admin/api/profiles/${id}.`, {}, {}, 'id');
    book.put(record);
    return Response.json({ profile: storedView(record, connectBase(request, deps.config.admin.proxyUrl)) }, { status: 201 });
  }
  const [id] = segments;
  if (segments.length !== 1 || !id) return adminError(404, 'Unknown admin path: use /admin/api/profiles[/{id}].');
  if (id === DEFAULT_PROFILE_ID || book.isConfigured(id)) {
    if (request.method === 'GET') return Response.json({ profile: configuredView(id, deps.config, connectBase(request, deps.config.admin.proxyUrl)) });
    if (request.method === 'PUT' || request.method === 'DELETE') return readOnly(id);
  }
  if (request.method === 'GET') {
    const record = await store?.findProfile(id);
    return record ? Response.json({ profile: storedView(record, connectBase(request, deps.config.admin.proxyUrl)) }) : unknown(id);
  }
  if (request.method !== 'PUT' && request.method !== 'DELETE') return adminError(405, `${request.method} is not served here; use GET, PUT or DELETE.`, { allow: 'GET, PUT, DELETE' });
  if (!store) return noStore();
  if (request.method === 'DELETE') {
    if (!(await store.deleteProfile(id))) return unknown(id);
    book.remove(id);
    return new Response(null, { status: 204 });
  }
  const body = await parseBody(updateProfileBody, request);
  if (body.error) return body.error;
  const { id: bodyId, description } = body.data;
  if (bodyId !== undefined && bodyId !== id) return adminError(400, `Bad body: id "${bodyId}" is not the path's "${id}" (a profile cannot be renamed).`, {}, {}, 'id');
  const updated = await store.updateProfile(id, { description: description ?? null, config: sentSettings(body.sent), updatedAt: new Date().toISOString() });
  if (!updated) return unknown(id);
  book.put(updated);
  return Response.json({ profile: storedView(updated, connectBase(request, deps.config.admin.proxyUrl)) });
}

/**
 * What is stored is the settings as sent (validated), not with defaults filled in: a later
 * version's defaults then apply to them, as they do to a configuration file.
 */
function sentSettings(sent: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.fromEntries(['auth', 'policies', 'limits'].filter((field) => sent?.[field] !== undefined).map((field) => [field, sent![field]]));
}

function configuredView(id: string, config: ResolvedConfig, base: string): ProfileView {
  const profile = id === DEFAULT_PROFILE_ID ? undefined : config.profiles[id];
  const settings = id === DEFAULT_PROFILE_ID
    ? { auth: config.auth, policies: config.policies, limits: { rate: config.limits.rate, budgets: config.limits.budgets } }
    : {
      ...profile,
      // A profile's own provider keys are never shown: which providers have one is.
      ...(profile?.providers ? { providers: Object.fromEntries(Object.keys(profile.providers).map((name) => [name, { apiKey: '(set)' }])) } : {}),
    };
  return { id, source: 'config', readOnly: true, connect: connectUrls(base, id), config: settings };
}

function storedView(record: ProfileRecord, base: string): ProfileView {
  return {
    id: record.id, source: 'store', readOnly: false,
    ...(record.description === null ? {} : { description: record.description }),
    createdAt: record.createdAt, updatedAt: record.updatedAt,
    connect: connectUrls(base, record.id), config: record.config,
  };
}

function connectUrls(base: string, id: string): Partial<Record<ProviderName, string>> {
  const served = PROVIDER_NAMES.filter((name) => providerAdapters[name] !== undefined);
  return Object.fromEntries(served.map((name) => [name, id === DEFAULT_PROFILE_ID ? `${base}/${name}` : `${base}/${name}/${id}`]));
}

/**
 * Where clients reach the proxy: `admin.proxyUrl` when it is absolute; else that path on the
 * origin the caller used (its `Host`, `X-Forwarded-Proto`): an address for display only, never
 * a decision.
 */
export function connectBase(request: Request, proxyUrl: string): string {
  if (/^https?:\/\//.test(proxyUrl)) return proxyUrl;
  const url = new URL(request.url);
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() ?? request.headers.get('host') ?? url.host;
  const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
  const scheme = forwarded === 'https' || forwarded === 'http' ? forwarded : url.protocol.slice(0, -1);
  const origin = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host) ? `${scheme}://${host}` : url.origin;
  return `${origin}${proxyUrl}`;
}

function readOnly(id: string): Response {
  return adminError(409, `The profile "${id}" comes from the configuration file and is read-only here: change it there.`);
}

function unknown(id: string): Response {
  return adminError(404, `No stored profile has the id "${id}".`);
}

function noStore(): Response {
  return adminError(501, 'This store keeps no profiles (Store.profiles): profiles can only be configured.');
}
