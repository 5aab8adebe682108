import { describe, expect, it } from 'vitest';
import { routeNative } from '../../pipeline/route.js';
import { geminiAdapter } from './index.js';

describe('Gemini text requests (the proxy\'s own calls)', () => {
  it.each(['gemini-2.5-flash', 'models/gemini-2.5-flash'])('%s: a path the Gemini routes serve, with the model id in it', (model) => {
    const call = geminiAdapter.encodeTextRequest!({ model, system: 's', user: 'u' });
    expect(call.nativePath).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    const route = routeNative(geminiAdapter, 'POST', call.nativePath.split('/').slice(1), 'default');
    expect(route.kind === 'match' && route.match.route.operation).toBe(call.operation);
  });
});
