/** Talking to a running `baton serve`: its record's port and secret, a bounded wait, and null when nothing answers. */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { helloProof, sameToken } from '../../services/serve/request-guard.js';
import type { ServiceRecord } from '../../services/serve/service-record.js';

export interface ServiceReply {
  status: number;
  body: unknown;
}

/** What went wrong talking to the service: nothing listens (safe to do the work here instead), or the exchange broke off after the request went out. */
export class ServiceCallError extends Error {
  constructor(
    readonly sent: boolean,
    message: string,
  ) {
    super(message);
  }
}

/** The reply, or a ServiceCallError saying whether the request may have reached the service. */
export function requestService(record: ServiceRecord, method: 'GET' | 'POST', route: string, body?: unknown, timeoutMs = 2_000): Promise<ServiceReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const authorization: Record<string, string> = route.startsWith('/v1/hello?') ? {} : { authorization: `Bearer ${record.secret}` };
    const req = http.request(
      { host: '127.0.0.1', port: record.port, method, path: route, timeout: timeoutMs, headers: { ...authorization, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // not JSON: the status says enough
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    let connected = false;
    req.on('socket', (socket) => socket.on('connect', () => (connected = true)));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (error) => reject(new ServiceCallError(connected, error.message)));
    req.end(payload);
  });
}

export function callService(record: ServiceRecord, method: 'GET' | 'POST', route: string, body?: unknown, timeoutMs = 2_000): Promise<ServiceReply | null> {
  return requestService(record, method, route, body, timeoutMs).catch(() => null);
}

/**
 * The running service, or null when none of this user's answers on the record's port. It must
 * prove it holds the secret (an HMAC of a fresh nonce) before the secret is sent to it: another
 * user's program on the port while the service is down learns nothing.
 */
export async function serviceHealth(record: ServiceRecord): Promise<{ pid: number; version: string } | null> {
  const nonce = randomBytes(16).toString('hex');
  const reply = await callService(record, 'GET', `/v1/hello?nonce=${nonce}`, undefined, 1_000);
  const body = reply?.status === 200 ? (reply.body as { proof?: unknown; pid?: unknown; version?: unknown } | null) : null;
  if (!body || typeof body.proof !== 'string' || !sameToken(body.proof, helloProof(record.secret, nonce))) return null;
  return { pid: Number(body.pid), version: String(body.version) };
}
