/**
 * An upstream below HTTP: a `net` server on 127.0.0.1 that records each request's head exactly as
 * it came over the wire (header names and values as the proxy wrote them) and answers with bytes
 * the test chose, headers a `node:http` server would refuse or rewrite included (`Connection`
 * lists, `Keep-Alive`, `Upgrade`, `Transfer-Encoding`, `Proxy-*`). For the hop-by-hop and header
 * hygiene tests (I4, U6 in SECURITY-TESTS.md). One request per connection: the answer ends it.
 */
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';

export interface WireRequest {
  /** The request line, e.g. `POST /v1/chat/completions HTTP/1.1`. */
  line: string;
  /** Header lines in order, names lower-cased, values as sent. */
  headers: [string, string][];
  body: Buffer;
}

export interface WireUpstream {
  url: string;
  requests: WireRequest[];
  /** Answers every following request with a status, raw header lines and a body sent chunked. */
  reply(answer: WireAnswer): void;
  close(): Promise<void>;
}

export interface WireAnswer {
  status: number;
  /** Header lines as they go on the wire; `Transfer-Encoding: chunked` is added. */
  headers: [string, string][];
  body: string;
}

/** The value of a header in a recorded request (repeated lines joined with `, `), or undefined. */
export function wireHeader(request: WireRequest, name: string): string | undefined {
  const values = request.headers.filter(([key]) => key === name).map(([, value]) => value);
  return values.length === 0 ? undefined : values.join(', ');
}

export async function startWireUpstream(): Promise<WireUpstream> {
  const requests: WireRequest[] = [];
  const sockets = new Set<Socket>();
  let answer: WireAnswer = { status: 500, headers: [], body: '' };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [line = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers = lines.map((header): [string, string] => {
        const colon = header.indexOf(':');
        return [header.slice(0, colon).trim().toLowerCase(), header.slice(colon + 1).trim()];
      });
      const length = Number(headers.find(([name]) => name === 'content-length')?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      socket.off('data', onData);
      requests.push({ line, headers, body: buffered.subarray(end + 4, end + 4 + length) });
      const { status, headers: answerHeaders, body } = answer;
      const bytes = Buffer.from(body);
      const head = [`HTTP/1.1 ${status} Scripted`, ...answerHeaders.map(([name, value]) => `${name}: ${value}`), 'Transfer-Encoding: chunked'];
      socket.end(`${head.join('\r\n')}\r\n\r\n${bytes.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    reply(next) {
      answer = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
