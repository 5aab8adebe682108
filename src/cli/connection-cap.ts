import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionCap {
  /** Whether this connection came beyond the cap: its requests are refused, and it is closed after. */
  isOver(socket: Socket): boolean;
}

/**
 * Caps a server's open connections at `max`. A connection beyond it is still read, so its client
 * gets a proper answer (503 with `Retry-After`) rather than a reset; from twice `max`, Node
 * closes new connections unread, so the descriptors held stay bounded whatever a client does.
 * (A connection that sends nothing is closed by the server's headers timeout.)
 */
export function capConnections(server: Server, max: number): ConnectionCap {
  const over = new WeakSet<Socket>();
  let open = 0;
  server.maxConnections = max * 2;
  server.on('connection', (socket: Socket) => {
    open++;
    if (open > max) over.add(socket);
    socket.once('close', () => open--);
  });
  return { isOver: (socket) => over.has(socket) };
}
