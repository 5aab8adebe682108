/**
 * The memory floor for the 1,000-open-streams test: the least a Node forwarder can be, node:http in
 * and `undici.request` out, passing bytes through with no parsing, audit, metrics or Web streams.
 * Takes the bundled server's arguments and environment (ARCHESTRA_OPENAI_BASE_URL) and prints the
 * same "listening on" line; the arguments themselves are ignored.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

const upstream = process.env.ARCHESTRA_OPENAI_BASE_URL;
const agent = new Agent({ connections: 1024, keepAliveTimeout: 30_000, headersTimeout: 300_000, bodyTimeout: 300_000 });

const server = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await request(`${upstream}${req.url?.replace(/^\/v1\/openai/, '') ?? ''}`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
      body: Buffer.concat(chunks),
    });
    res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') });
    res.once('close', () => answer.body.destroy());
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
  } catch {
    res.destroy();
  }
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
