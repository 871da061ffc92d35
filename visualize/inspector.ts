/**
 * The live Stately inspector for `baton entry|send --inspect`: the session's actor reports
 * every event and snapshot through `@statelyai/inspect`'s WebSocket inspector to a relay
 * (`baton inspect`, or any relay at the URL), which forwards them to the Stately UI.
 *
 * Three things the package does that a CLI cannot live with (checked on 0.7.2):
 * - with no relay it retries every 5 s for ever, even after stop(): baton first checks that
 *   something listens at the URL, says so on stderr when not, and goes on without it; a
 *   socket error later stops the inspector instead of retrying;
 * - its open socket keeps Node alive: the socket is unref'd, and when the command is done
 *   (`beforeExit`) baton waits for the frames to be written (at most FLUSH_TIMEOUT_MS), closes
 *   the socket and lets the process exit;
 * - it converts events on a timer (setTimeout 0), so frames go out a moment after the event.
 * The package and its WebSocket client are loaded only when inspection is asked for.
 */
import net from 'node:net';
import type { InspectionEvent } from 'xstate';
import { UsageError } from '../services/errors.js';
import { sleep } from '../services/utils/sleep.js';

export const DEFAULT_INSPECT_URL = 'ws://localhost:8080';
const PROBE_TIMEOUT_MS = 1500;
const FLUSH_TIMEOUT_MS = 3000;
const CLOSE_TIMEOUT_MS = 1000;

/** Why `url` cannot be an inspector's address, or null when it can. */
function urlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  return parsed.protocol === 'ws:' || parsed.protocol === 'wss:' ? null : 'must start with ws:// or wss://';
}

/** `--inspect-url URL`, checked: a usage error when it is not a ws:// or wss:// URL. */
export function inspectUrlOption(options: Record<string, unknown>): string | null {
  const flagUrl = options['inspect-url'];
  if (typeof flagUrl !== 'string' || flagUrl.trim() === '') return null;
  const url = flagUrl.trim();
  const problem = urlProblem(url);
  if (problem) throw new UsageError(`inspector URL "${url}" ${problem}`, `example: --inspect-url ${DEFAULT_INSPECT_URL}`);
  return url;
}

/**
 * Where to send inspection events, if anywhere: `--inspect-url URL`, `--inspect` (the
 * default URL), or the environment variable BATON_INSPECT (a URL, or 1 for the default).
 * A bad flag is a usage error; a bad BATON_INSPECT, set once for every command, is a warning.
 */
export function inspectUrlFrom(options: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): string | null {
  const flagUrl = inspectUrlOption(options);
  if (flagUrl) return flagUrl;
  if (options.inspect === true) return DEFAULT_INSPECT_URL;
  const fromEnv = env.BATON_INSPECT?.trim();
  if (!fromEnv || fromEnv === '0' || fromEnv.toLowerCase() === 'false') return null;
  if (fromEnv === '1' || fromEnv.toLowerCase() === 'true') return DEFAULT_INSPECT_URL;
  if (urlProblem(fromEnv)) {
    warn(`BATON_INSPECT=${fromEnv} is not a ws:// or wss:// URL; going on without inspection (set it to a URL such as ${DEFAULT_INSPECT_URL}, or 1 for that one)`);
    return null;
  }
  return fromEnv;
}

/** Whether something accepts TCP connections at the URL's host and port. */
function probe(url: URL): Promise<string | null> {
  const port = Number(url.port || (url.protocol === 'wss:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(`no answer within ${PROBE_TIMEOUT_MS} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message)));
  });
}

/** The parts of the `ws` client the workarounds touch (not in the package's types). */
interface WsClient {
  readyState: number;
  bufferedAmount: number;
  onerror: ((event: { message?: string; error?: Error }) => void) | null;
  _req?: { once(event: 'socket', listener: (socket: net.Socket) => void): void } | null;
  _socket?: net.Socket | null;
  once(event: 'open' | 'close', listener: () => void): void;
  close(): void;
  terminate(): void;
}

interface AdapterInternals {
  ws?: WsClient;
  status: string;
}

const OPEN = 1;
const CLOSED = 3;

function warn(message: string): void {
  process.stderr.write(`baton: warning: ${message}\n`);
}

/**
 * Connects to the relay; returns the observer to give the Session (`session.inspect`), or
 * undefined when there is no relay (after saying so on stderr).
 */
async function connectInspector(url: string): Promise<((event: InspectionEvent) => void) | undefined> {
  const problem = await probe(new URL(url));
  if (problem) {
    warn(`no inspector relay at ${url} (${problem}); going on without inspection. Start one with \`baton inspect\`.`);
    return undefined;
  }
  const { createWebSocketInspector } = await import('@statelyai/inspect');
  const inspector = createWebSocketInspector({ url, maxDeferredEvents: 2000 });
  const adapter = inspector.adapter as unknown as AdapterInternals;
  const ws = adapter.ws;
  let failed: string | null = null;

  if (ws) {
    // No retry loop: one failure and the inspection is off for this command.
    ws.onerror = (event) => {
      failed = event.message || event.error?.message || 'connection failed';
      adapter.status = 'closed';
    };
    // The socket must not keep the process alive; beforeExit below decides when it is done.
    ws._req?.once('socket', (socket) => socket.unref());
    ws.once('open', () => ws._socket?.unref());
  }

  let finishing = false;
  const finish = async () => {
    if (finishing) return;
    finishing = true;
    if (!ws) return;
    const deadline = Date.now() + FLUSH_TIMEOUT_MS;
    // Wait (on a ref'd timer, so the process stays up) for the connection and the frames.
    while (!failed && Date.now() < deadline && (ws.readyState !== OPEN || ws.bufferedAmount > 0)) {
      if (ws.readyState === CLOSED) break;
      await sleep(10);
    }
    if (failed) warn(`inspector connection to ${url} failed (${failed}); inspection stopped, the command went on`);
    else if (ws.readyState !== OPEN) warn(`inspector relay at ${url} did not accept the connection within ${FLUSH_TIMEOUT_MS} ms; events not delivered`);
    inspector.stop();
    if (ws.readyState !== CLOSED) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          ws.terminate();
          resolve();
        }, CLOSE_TIMEOUT_MS);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  process.once('beforeExit', () => void finish());

  return (event) => inspector.inspect.next?.(event);
}

/** For openRuntime (cli/context.ts): the inspector the options or BATON_INSPECT ask for, if any. */
export async function inspectorFor(options: Record<string, unknown>): Promise<((event: InspectionEvent) => void) | undefined> {
  const url = inspectUrlFrom(options);
  return url ? connectInspector(url) : undefined;
}
