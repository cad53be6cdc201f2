/**
 * Errors Node's HTTP parser raises before Fastify has a request (a URL or headers over the 16 KiB limit, a malformed
 * request line, a client too slow to send its headers): answered in the envelope like every other error, with a fresh
 * request id, instead of Fastify's own body.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { newId } from '../shared/ids.js';
import type { ErrorEnvelope } from './errors.js';

const BY_CODE: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    message: 'The URL or headers are larger than the server accepts (16 KiB).',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'The request took too long to arrive.' },
};

export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer (Node's own behaviour, as Fastify's default handler).
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = (err.code && Object.hasOwn(BY_CODE, err.code) ? BY_CODE[err.code] : undefined) ?? {
    status: 400,
    code: 'bad_request',
    message: 'The request could not be read as HTTP.',
  };
  const body: ErrorEnvelope = { error: { code: known.code, message: known.message }, requestId: newId('req') };
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nx-request-id: ${body.requestId}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(err);
}
