/**
 * `baton serve`: one long-running process per user on 127.0.0.1, answering Claude Code's HTTP
 * hooks and baton's events for any of the user's projects. It holds no state of its own: each
 * request reads and writes the project's files as the CLI does, so killing it loses nothing
 * acknowledged. While projects are active it writes their checkpoints on time, and it exits
 * after `idleSeconds` without a request.
 */
import http from 'node:http';
import { checkpointIntervalLight, readSettledStateLight, saveCheckpointIfDue } from '../../services/lifecycle/checkpoint.js';
import { projectPaths } from '../../services/project/paths.js';
import { helloProof, refuseRequest, sameToken, viewToken } from '../../services/serve/request-guard.js';
import type { ServiceRecord } from '../../services/serve/service-record.js';
import { HttpError, readJsonBody, sendError, sendJson } from './http-io.js';
import { eventRoute, hookRoute, statusRoute } from './routes.js';
import { projectOfRequest } from './project-of-request.js';
import type { InspectedSessions } from './inspected-sessions.js';

const VIEW_ROUTES = new Set(['/v1/page', '/v1/stream']);

/** The request's path and query; null for a target that is not one (`//a:99999/`), which is refused, never thrown. */
function requestUrl(req: http.IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

/** For the log: the request line without the view token a page address carries. */
function logged(req: http.IncomingMessage): string {
  return `${req.method} ${(req.url ?? '').replace(/([?&]token=)[^&]*/g, '$1...')}`;
}

/** A page route's project, when its view token is right for it: read-only access without the secret. */
function viewerProject(req: http.IncomingMessage, url: URL, record: ServiceRecord): string | null {
  if (req.method !== 'GET' || !VIEW_ROUTES.has(url.pathname)) return null;
  const token = url.searchParams.get('token') ?? '';
  try {
    const root = projectOfRequest(url.searchParams.get('project'), undefined);
    return root && sameToken(token, viewToken(record.secret, root)) ? root : null;
  } catch {
    return null;
  }
}

/** Set by the build (build.mjs) from package.json. */
declare const BATON_VERSION: string;

export interface ServiceOptions {
  record: ServiceRecord;
  idleSeconds: number;
  /** How often the timed checkpoints (and the inspected sessions) are looked at. */
  tickMs?: number;
  /** `--inspect`: one live actor per project in the Stately inspector. */
  inspected?: InspectedSessions;
  log: (line: string) => void;
}

export interface RunningService {
  port: number;
  close(): Promise<void>;
}

export function startService(options: ServiceOptions): Promise<RunningService> {
  const { record, log } = options;
  const started = Date.now();
  let lastRequest = Date.now();
  /** Projects a request named lately, and when: their checkpoints are the service's to keep on time. */
  const active = new Map<string, number>();

  function seen(root: string): void {
    active.set(root, Date.now());
    // The inspector is a window on the session: its failure never fails the request.
    try {
      options.inspected?.follow(root);
      options.inspected?.catchUp();
    } catch (error) {
      log(`inspector: ${(error as Error).message}`);
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, viewer: string | null): Promise<{ status: number; body: unknown } | null> {
    if (viewer && url.pathname === '/v1/page') {
      await (await import('./live-page.js')).sendLivePage(res, viewer, url.searchParams.get('token')!);
      return null;
    }
    if (viewer && url.pathname === '/v1/stream') {
      (await import('./live-page.js')).streamRevisions(res, viewer);
      return null;
    }
    const hook = /^\/v1\/hooks\/([A-Za-z]+)$/.exec(url.pathname);
    if (req.method === 'GET' && url.pathname === '/v1/hello') {
      const nonce = url.searchParams.get('nonce') ?? '';
      if (!/^[0-9a-f]{32,128}$/.test(nonce)) throw new HttpError(400, '/v1/hello needs ?nonce=<32 to 128 hex digits>');
      return { status: 200, body: { proof: helloProof(record.secret, nonce), pid: process.pid, version: BATON_VERSION } };
    }
    if (req.method === 'GET' && url.pathname === '/v1/health') return { status: 200, body: { ok: true, pid: process.pid, version: BATON_VERSION, uptime_seconds: Math.round((Date.now() - started) / 1000), projects: [...active.keys()] } };
    if (req.method === 'POST' && hook) {
      const body = await readJsonBody(req);
      const project = req.headers['x-baton-project'];
      const { output, root } = await hookRoute(hook[1]!, body, typeof project === 'string' ? project : undefined);
      if (root) seen(root);
      return { status: 200, body: output };
    }
    if (req.method === 'GET' && url.pathname === '/v1/status') {
      const { answer, root } = await statusRoute(url.searchParams.get('project'));
      seen(root);
      return { status: 200, body: answer };
    }
    if (req.method === 'POST' && url.pathname === '/v1/events') {
      const body = await readJsonBody(req);
      const { answer, root } = await eventRoute(body);
      seen(root);
      return { status: 200, body: answer };
    }
    if (VIEW_ROUTES.has(url.pathname)) throw new HttpError(401, `${url.pathname} needs ?project=<the project>&token=<its view token> (\`baton visualize --live\` prints the address)`);
    throw new HttpError(404, `no route ${req.method} ${url.pathname} (routes: GET /v1/health, GET /v1/status, POST /v1/hooks/EVENT, POST /v1/events, GET /v1/page, GET /v1/stream)`);
  }

  /** A failure answers the request it belongs to and is logged; it never takes the service down. */
  function fail(req: http.IncomingMessage, res: http.ServerResponse, error: unknown): void {
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 500) log(`error on ${logged(req)}: ${(error as Error).stack ?? error}`);
    if (res.headersSent) return void res.destroy();
    // A body over the limit is drained, not kept, so the client reads the 413; the connection then closes (requestTimeout bounds a slow one).
    if (status === 413) res.setHeader('connection', 'close');
    sendError(res, status, (error as Error).message);
  }

  const server = http.createServer((req, res) => {
    try {
      const url = requestUrl(req);
      // /v1/hello proves the service holds the secret without asking for it: a client checks it before sending the secret to whatever listens on the port.
      const hello = req.method === 'GET' && url?.pathname === '/v1/hello';
      const viewer = url ? viewerProject(req, url, record) : null;
      const refusal = url ? refuseRequest(req.headers, record, viewer !== null || hello) : { status: 400, message: 'the request target is not a path' };
      if (refusal) {
        log(`refused ${logged(req)}: ${refusal.status} ${refusal.message}`);
        req.resume();
        return sendError(res, refusal.status, refusal.message);
      }
      // Only requests the service answers keep it from its idle exit: refused ones do not.
      lastRequest = Date.now();
      route(req, res, url!, viewer).then(
        (answer) => answer && sendJson(res, answer.status, answer.body),
        (error) => fail(req, res, error),
      );
    } catch (error) {
      fail(req, res, error);
    }
  });
  // A slow or stuck client does not hold the service: hooks are small and answered at once.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  const tick = setInterval(() => {
    const now = Date.now();
    if (now - lastRequest > options.idleSeconds * 1000) {
      log(`idle for ${options.idleSeconds} s: exiting`);
      void close().then(() => process.exit(0));
      return;
    }
    try {
      options.inspected?.catchUp();
    } catch (error) {
      log(`inspector: ${(error as Error).message}`);
    }
    for (const [dir, lastSeen] of active) {
      if (now - lastSeen > options.idleSeconds * 1000) {
        active.delete(dir);
        continue;
      }
      // A project that turned hostile (its .claude now a link, a file) fails alone, and is dropped.
      try {
        const paths = projectPaths(dir);
        void saveCheckpointIfDue(paths, checkpointIntervalLight(paths), new Date(now), () => readSettledStateLight(paths)).then(
          (written) => written && log(`checkpoint written for ${dir}`),
          () => undefined,
        );
      } catch (error) {
        log(`checkpoint for ${dir}: ${(error as Error).message}; no longer followed`);
        active.delete(dir);
      }
    }
  }, options.tickMs ?? 1_000);
  tick.unref();

  function close(): Promise<void> {
    clearInterval(tick);
    options.inspected?.stop();
    // Open streams (a live page) would hold the process after it stopped listening.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    return closed;
  }

  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${record.port} on 127.0.0.1 is taken: another baton serve (or another program) runs there; \`curl -s http://127.0.0.1:${record.port}/v1/health\` says which`) : error);
    });
    server.listen(record.port, '127.0.0.1', () => resolve({ port: record.port, close }));
  });
}
