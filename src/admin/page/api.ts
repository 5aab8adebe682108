/**
 * The admin API as the page sees it: relative to the page (`<mount>/admin/` -> `<mount>/admin/api/`),
 * with the admin token from sessionStorage as a Bearer token.
 */
import type { ApiError } from './api-types.js';

const TOKEN_KEY = 'archestra-admin-token';

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An answer of the API that was not 2xx: its status and the message the API gave. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Called when the API answers 401: the page asks for the token again. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

/** Calls `api/<path>`; resolves to the JSON answer (undefined for 204), rejects with ApiFailure. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const token = init.token ?? savedToken() ?? '';
  let response: Response;
  try {
    response = await fetch(new URL(`api/${path}`, document.baseURI), {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    throw new ApiFailure(0, 'The proxy could not be reached.');
  }
  if (response.status === 204) return undefined as T;
  const json = (await response.json().catch(() => null)) as (T & ApiError) | null;
  if (!response.ok) {
    if (response.status === 401 && init.token === undefined) onUnauthorized();
    throw new ApiFailure(response.status, json?.error?.message ?? `The admin API answered ${response.status}.`, json?.error?.field);
  }
  return json as T;
}

/** `a=1&b=2` from the set fields of an object (empty strings and false left out). */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
