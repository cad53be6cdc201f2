/**
 * Loopback HTTP servers for tests and benchmarks: no imports beyond node's, so a benchmark's load process can use
 * them without loading Muster.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listen on a free loopback port; the URL of its `/hook` path. */
export async function listenHook(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

/** Close a test server now, dropping kept-alive and hung connections. */
export async function closeServer(server: Server | null): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
