/** The connect URLs' base: the caller's origin plus `admin.proxyUrl`, or `admin.proxyUrl` when absolute. */
import { describe, expect, it } from 'vitest';
import { connectBase } from './profiles.js';

const request = (headers: Record<string, string> = {}) => new Request('http://localhost/admin/api/profiles', { headers });

describe('connectBase', () => {
  it('the Host the caller used, with the mount path', () => {
    expect(connectBase(request({ host: '127.0.0.1:9000' }), '/v1')).toBe('http://127.0.0.1:9000/v1');
    expect(connectBase(request({ host: '[::1]:9000' }), '')).toBe('http://[::1]:9000');
  });

  it('behind a reverse proxy: X-Forwarded-Host and -Proto; an absolute proxyUrl wins', () => {
    expect(connectBase(request({ host: '10.0.0.5:9000', 'x-forwarded-host': 'llm.example.com', 'x-forwarded-proto': 'https' }), '/v1')).toBe('https://llm.example.com/v1');
    expect(connectBase(request({ host: 'anything' }), 'https://gateway.example.com/llm')).toBe('https://gateway.example.com/llm');
  });

  it('a Host that is not a host name is not echoed: the request URL origin instead', () => {
    expect(connectBase(request({ host: 'evil.test/<script>' }), '/v1')).toBe('http://localhost/v1');
    expect(connectBase(request({ 'x-forwarded-proto': 'javascript' }), '/v1')).toBe('http://localhost/v1');
  });
});
