import { z } from 'zod';
import { VERSION } from '../version.js';
import { createKeyBody, createProfileBody, interactionsQuery, updateProfileBody, usageQuery } from './schemas.js';

type JsonSchema = Record<string, unknown>;

/** What a request takes, as JSON Schema (the input side: what a client sends). */
function schemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
}

/** Query parameters from an object schema's properties. */
function parametersOf(schema: z.ZodType): JsonSchema[] {
  const json = schemaOf(schema) as { properties?: Record<string, JsonSchema & { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name, in: 'query', required: json.required?.includes(name) ?? false,
    ...(property.description ? { description: property.description } : {}), schema: property,
  }));
}

const ERROR = { description: 'An error: `{ "error": { "message", "status", "field"? } }`', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
const json = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: schemaOf(schema) } } });
const idParameter = (what: string) => ({ name: 'id', in: 'path', required: true, description: `The ${what}'s id.`, schema: { type: 'string' } });
const errors = { 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR };

let cached: JsonSchema | undefined;

/** `GET /admin/api/openapi.json`: generated once from the schemas the routes validate with. */
export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: { title: '@archestra/llm-proxy admin API', version: VERSION, description: 'Proxy profiles, virtual keys, the interactions log, usage and approvals. Off unless admin.token or admin.jwtClaim is set.' },
    servers: [{ url: '/admin/api' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (admin.token), or a JWT of auth.jwks carrying admin.jwtClaim. Never in the query string.' } },
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['message', 'status'], properties: { message: { type: 'string' }, status: { type: 'integer' }, field: { type: 'string', description: 'The query or body field at fault (dotted path).' } } } } },
      },
    },
    paths: {
      '/profiles': {
        get: { summary: 'List the proxy profiles (configured ones read-only) with their connect URLs', responses: { 200: json('`{ profiles: [{ id, source, readOnly, description?, createdAt?, connect, config }] }`'), ...errors } },
        post: { summary: 'Create a profile, served at once', requestBody: body(createProfileBody), responses: { 201: json('`{ profile }`'), 409: ERROR, ...errors } },
      },
      '/profiles/{id}': {
        parameters: [idParameter('profile')],
        get: { summary: 'One profile', responses: { 200: json('`{ profile }`'), ...errors } },
        put: { summary: 'Replace a stored profile (409 for a configured one)', requestBody: body(updateProfileBody), responses: { 200: json('`{ profile }`'), 409: ERROR, ...errors } },
        delete: { summary: 'Delete a stored profile (409 for a configured one)', responses: { 204: { description: 'Deleted' }, 409: ERROR, ...errors } },
      },
      '/keys': {
        get: { summary: 'List the virtual keys (never the key or its hash)', responses: { 200: json('`{ keys: [...] }`'), ...errors } },
        post: { summary: 'Create a virtual key: the key is shown this once', requestBody: body(createKeyBody), responses: { 201: json('`{ key: "arch_...", record }`'), ...errors } },
      },
      '/keys/{id}': { parameters: [idParameter('key')], delete: { summary: 'Revoke a key', responses: { 200: json('`{ record }`'), ...errors } } },
      '/keys/{id}/revoke': { parameters: [idParameter('key')], post: { summary: 'Revoke a key', responses: { 200: json('`{ record }`'), ...errors } } },
      '/interactions': {
        get: { summary: 'The interactions log, newest first, filtered; `nextCursor` pages to older rows, `after` polls newer ones', parameters: parametersOf(interactionsQuery), responses: { 200: json('`{ interactions: [summary], nextCursor: string | null }`'), ...errors } },
      },
      '/interactions/{id}': { parameters: [idParameter('interaction')], get: { summary: 'One interaction in full: decisions with provenance, tokens, cost, timings, bodies as stored', responses: { 200: json('`{ interaction }`'), ...errors } } },
      '/usage': { get: { summary: 'Requests, refusals, tokens and spend per group', parameters: parametersOf(usageQuery), responses: { 200: json('`{ by, rows: [{ key, requests, refusals, inputTokens, outputTokens, costUsd, unpriced, ... }] }`'), ...errors } } },
      '/approvals': { get: { summary: 'Approvals, newest first', responses: { 200: json('`{ approvals }`'), ...errors } } },
      '/approvals/{id}/{decision}': {
        parameters: [idParameter('approval'), { name: 'decision', in: 'path', required: true, schema: { enum: ['approve', 'deny'] } }],
        post: { summary: 'Approve or deny a pending approval', responses: { 200: json('`{ approval }`'), 409: ERROR, ...errors } },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: json('OpenAPI 3.1') } } },
    },
  };
  return cached;
}
