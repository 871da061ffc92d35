/**
 * `baton inspect [--port N] [--open]`: the local relay between `baton entry|send --inspect`
 * and the Stately inspector UI (`createInspectorServer` from `@statelyai/inspect/server`).
 * Runs until Ctrl-C (SIGINT) or SIGTERM. The relay itself works offline; the UI page it
 * serves embeds https://stately.ai/inspect, which needs the internet.
 */
import net from 'node:net';
import { EXIT, UsageError } from '../../services/errors.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';
import { sleep } from '../../services/utils/sleep.js';

export const DEFAULT_PORT = 8080;

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port must be a whole number from 1 to 65535, got "${text}"`);
  return port;
}

/** The relay listens on every interface; check first, as its server has no error handler for a taken port. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function run(context: CommandContext): Promise<number> {
  if (context.args.length) throw new UsageError(`unexpected argument(s): ${context.args.join(' ')}`, 'usage: baton inspect [--port N] [--open]');
  const port = parsePort(context.options.port as string | undefined);
  if (!(await portFree(port))) throw new UsageError(`port ${port} is already in use (another relay?)`, 'choose another one with --port N');
  const { createInspectorServer } = await import('@statelyai/inspect/server');
  const server = createInspectorServer({ port, autoOpen: Boolean(context.options.open) });
  for (let tries = 0; !(await accepting(port)); tries += 1) {
    if (tries > 200) {
      server.stop();
      process.stderr.write(`baton: the inspector relay did not start listening on port ${port}\n`);
      return EXIT.INTERNAL;
    }
    await sleep(25);
  }
  // Listen for the signals before saying "listening": a SIGTERM sent the moment a caller reads that line would otherwise find node's default action (death by signal) still in place.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const url = `ws://localhost:${port}`;
  const ui = `http://localhost:${port}`;
  if (context.json) printJson({ listening: true, port, url, ui });
  else {
    println(`inspector relay listening on ${url}`);
    println(`  send a session to it: baton entry ${port === DEFAULT_PORT ? '--inspect' : `--inspect-url ${url}`}   (or BATON_INSPECT=${url} for any command)`);
    println(`  watch it: open ${ui} (the Stately inspector UI, loaded from stately.ai: needs the internet)`);
    println('  Ctrl-C to stop');
  }
  const signal = await stopped;
  server.stop();
  if (!context.json) println(`stopped (${signal})`);
  // Connected clients are not closed by the relay's stop(): do not wait for them.
  setTimeout(() => process.exit(process.exitCode ?? 0), 300).unref();
  return 0;
}
