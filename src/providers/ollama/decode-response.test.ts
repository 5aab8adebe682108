import { describe, expect, it } from 'vitest';
import { routeNative } from '../../pipeline/route.js';
import { fixture } from './__fixtures__/expected.js';
import { ollamaAdapter } from './index.js';

const json = (name: string): unknown => JSON.parse(fixture(name).toString('utf8'));

describe('ollama response decode (stream: false answers)', () => {
  it('chat: text, model, usage from prompt_eval_count / eval_count, done_reason', () => {
    expect(ollamaAdapter.readResponse('chat', json('chat.json'))).toEqual({
      model: 'llama3.2',
      text: "Grüezi! In Zürich it's 21 °C and sunny ☀️.",
      toolCalls: [],
      usage: { inputTokens: 31, outputTokens: 14 },
      finishReason: 'stop',
    });
  });

  it('chat with a tool call: arguments object as JSON text, the call (without an id) known by its position', () => {
    expect(ollamaAdapter.readResponse('chat', json('chat-tool-call.json'))).toEqual({
      model: 'llama3.2',
      text: '',
      toolCalls: [{ id: '#0.0', name: 'get_current_weather', arguments: '{"format":"celsius","location":"Paris, FR"}' }],
      usage: { inputTokens: 122, outputTokens: 33 },
      finishReason: 'stop',
    });
  });

  it('generate: the `response` text', () => {
    expect(ollamaAdapter.readResponse('generate', json('generate.json'))).toEqual({
      model: 'llama3.2',
      text: 'The sky is blue because of Rayleigh scattering.',
      toolCalls: [],
      usage: { inputTokens: 26, outputTokens: 290 },
      finishReason: 'stop',
    });
  });

  it('embed: input tokens only', () => {
    expect(ollamaAdapter.readResponse('embeddings', json('embed.json'))).toMatchObject({ model: 'all-minilm', text: '', usage: { inputTokens: 8, outputTokens: null } });
  });

  it('tags, show and anything that is not an object: an empty answer', () => {
    const empty = { model: null, text: '', toolCalls: [], usage: { inputTokens: null, outputTokens: null }, finishReason: null };
    expect(ollamaAdapter.readResponse('models', { models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest' }] })).toEqual(empty);
    expect(ollamaAdapter.readResponse('show', { modelfile: '# Modelfile', details: { family: 'llama' } })).toEqual(empty);
    expect(ollamaAdapter.readResponse('chat', 'nope')).toEqual(empty);
    expect(ollamaAdapter.readResponse('chat', null)).toEqual(empty);
  });

  it('OpenAI-compatible chat completion: decoded as OpenAI\'s', () => {
    const completion = {
      id: 'chatcmpl-98',
      object: 'chat.completion',
      created: 1760433123,
      model: 'llama3.2',
      system_fingerprint: 'fp_ollama',
      choices: [{ index: 0, message: { role: 'assistant', content: '', tool_calls: [{ id: 'call_k3ne4ex9', index: 0, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Zürich"}' } }] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: 150, completion_tokens: 19, total_tokens: 169 },
    };
    expect(ollamaAdapter.readResponse('chat_completions', completion)).toEqual({
      model: 'llama3.2',
      text: '',
      toolCalls: [{ id: 'call_k3ne4ex9', name: 'get_weather', arguments: '{"city":"Zürich"}' }],
      usage: { inputTokens: 150, outputTokens: 19 },
      finishReason: 'tool_calls',
    });
  });
});

describe('ollama adapter: errors, credentials, routes', () => {
  it('errors are Ollama\'s `{ "error": "..." }`; 4xx say do not retry', async () => {
    const response = ollamaAdapter.errorResponse(404, 'Unknown request URL', 'not_found_error');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(await response.json()).toEqual({ error: 'Unknown request URL' });
    const upstream = ollamaAdapter.errorResponse(502, 'unreachable', 'upstream_error', { 'retry-after': '1' });
    expect(upstream.headers.get('retry-after')).toBe('1');
    expect(upstream.headers.get('x-should-retry')).toBeNull();
  });

  it('needs no key, and passes a Bearer key on', () => {
    expect(ollamaAdapter.requiresCredential).toBe(false);
    expect(ollamaAdapter.readCredential(new Headers({ authorization: 'Bearer ollama-key-1' }), new URLSearchParams())).toBe('ollama-key-1');
    expect(ollamaAdapter.readCredential(new Headers(), new URLSearchParams())).toBeUndefined();
    expect(ollamaAdapter.credentialHeader('ollama-key-1')).toEqual(['authorization', 'Bearer ollama-key-1']);
    expect(ollamaAdapter.credentialHeaders).toEqual(['authorization']);
  });

  it('serves the native and the OpenAI-compatible paths, and nothing else', () => {
    const operation = (method: string, path: string) => {
      const route = routeNative(ollamaAdapter, method, path.split('/').slice(1), 'default');
      return route.kind === 'match' ? [route.match.route.operation, ...route.match.params] : null;
    };
    expect(operation('POST', '/api/chat')).toEqual(['chat']);
    expect(operation('POST', '/api/generate')).toEqual(['generate']);
    expect(operation('POST', '/api/embed')).toEqual(['embeddings']);
    expect(operation('POST', '/api/show')).toEqual(['show']);
    expect(operation('GET', '/api/tags')).toEqual(['models']);
    expect(operation('POST', '/v1/chat/completions')).toEqual(['chat_completions']);
    expect(operation('GET', '/v1/models')).toEqual(['models']);
    expect(operation('GET', '/v1/models/llama3.2:latest')).toEqual(['models', 'llama3.2:latest']);
    for (const [method, path] of [['GET', '/api/chat'], ['POST', '/api/pull'], ['DELETE', '/api/delete'], ['POST', '/api/create'], ['POST', '/api/chat/'], ['POST', '/chat/completions'], ['GET', '/v1/models/..']]) {
      expect(operation(method!, path!), `${method} ${path}`).toBeNull();
    }
  });
});
