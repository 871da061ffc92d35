/**
 * Which requests the service answers: from this machine, addressed to it by its loopback name
 * (a foreign Host is a DNS-rebinding page), not from a web page (any Origin), and carrying the
 * per-user secret. Pure, so every case is a unit test.
 */
import { timingSafeEqual } from 'node:crypto';

export type Refusal = { status: number; message: string };

export function refuseRequest(headers: Record<string, string | string[] | undefined>, expected: { port: number; secret: string }): Refusal | null {
  const host = headers.host;
  const allowedHosts = [`127.0.0.1:${expected.port}`, `localhost:${expected.port}`, `[::1]:${expected.port}`];
  if (typeof host !== 'string' || !allowedHosts.includes(host.toLowerCase())) return { status: 421, message: `baton serve answers only requests to ${allowedHosts[0]} (Host was ${JSON.stringify(host ?? null)})` };
  if (headers.origin !== undefined) return { status: 403, message: 'baton serve does not answer requests from web pages (the request has an Origin header)' };
  const authorization = headers.authorization;
  const given = typeof authorization === 'string' && authorization.startsWith('Bearer ') ? Buffer.from(authorization.slice('Bearer '.length).trim()) : Buffer.alloc(0);
  const secret = Buffer.from(expected.secret);
  if (given.length !== secret.length || !timingSafeEqual(given, secret)) return { status: 401, message: 'baton serve needs the secret from serve.json in baton\'s config folder as "Authorization: Bearer <secret>"' };
  return null;
}
