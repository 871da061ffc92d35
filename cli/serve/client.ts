/** Talking to a running `baton serve`: its record's port and secret, a bounded wait, and null when nothing answers. */
import http from 'node:http';
import type { ServiceRecord } from '../../services/serve/service-record.js';

export interface ServiceReply {
  status: number;
  body: unknown;
}

export function callService(record: ServiceRecord, method: 'GET' | 'POST', route: string, body?: unknown, timeoutMs = 2_000): Promise<ServiceReply | null> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port: record.port, method, path: route, timeout: timeoutMs, headers: { authorization: `Bearer ${record.secret}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: null });
          }
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end(payload);
  });
}

/** The running service's health, or null when none answers on the record's port. */
export async function serviceHealth(record: ServiceRecord): Promise<{ pid: number; version: string } | null> {
  const reply = await callService(record, 'GET', '/v1/health', undefined, 1_000);
  return reply?.status === 200 ? (reply.body as { pid: number; version: string }) : null;
}
