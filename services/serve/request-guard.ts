/**
 * Which requests the service answers: from this machine, addressed to it by its loopback name
 * (a foreign Host is a DNS-rebinding page), not from a web page (any Origin), and carrying the
 * per-user secret. Pure, so every case is a unit test.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Refusal = { status: number; message: string };

/**
 * The token of one project's live page (read-only: the page and its stream), so a browser can
 * open it without the secret itself in its address bar and history.
 */
export function viewToken(secret: string, root: string): string {
  return createHmac('sha256', secret).update(`view:${root}`).digest('hex');
}

/** The service's answer to a client's nonce: proof that it holds the secret, without the secret crossing the wire. */
export function helloProof(secret: string, nonce: string): string {
  return createHmac('sha256', secret).update(`hello:${nonce}`).digest('hex');
}

export function sameToken(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `viewer`: a page route with a valid view token, which stands in for the secret (Host and Origin still hold). */
export function refuseRequest(headers: Record<string, string | string[] | undefined>, expected: { port: number; secret: string }, viewer = false): Refusal | null {
  const host = headers.host;
  const allowedHosts = [`127.0.0.1:${expected.port}`, `localhost:${expected.port}`, `[::1]:${expected.port}`];
  if (typeof host !== 'string' || !allowedHosts.includes(host.toLowerCase())) return { status: 421, message: `baton serve answers only requests to ${allowedHosts[0]} (Host was ${JSON.stringify(host ?? null)})` };
  if (headers.origin !== undefined) return { status: 403, message: 'baton serve does not answer requests from web pages (the request has an Origin header)' };
  if (viewer) return null;
  const authorization = headers.authorization;
  const given = typeof authorization === 'string' && authorization.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : '';
  if (!sameToken(given, expected.secret)) return { status: 401, message: 'baton serve needs the secret from serve.json in baton\'s config folder as "Authorization: Bearer <secret>"' };
  return null;
}
