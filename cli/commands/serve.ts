/**
 * `baton serve [--port N] [--idle-exit SECONDS] [--detach]`: the service for Claude Code's HTTP
 * hooks and baton's events (cli/serve/). One per user: a second one refuses to start.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { BatonError, EXIT, UsageError } from '../../services/errors.js';
import { batonConfigDir } from '../../services/project/trust.js';
import { ensureServiceRecord, readServiceRecord, takeServiceLock } from '../../services/serve/service-record.js';
import { sleep } from '../../services/utils/sleep.js';
import type { CommandContext } from '../context.js';
import { ownScript } from '../own-install.js';
import { printJson, println } from '../output.js';
import { serviceHealth } from '../serve/client.js';
import { startService } from '../serve/server.js';

const DEFAULT_IDLE_SECONDS = 3600;

function positiveInteger(value: unknown, option: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) throw new UsageError(`--${option} must be a whole number from 1 to ${max} (got ${JSON.stringify(value)})`);
  return number;
}

export async function run(context: CommandContext): Promise<number> {
  const port = positiveInteger(context.options.port, 'port', 65535);
  const idleSeconds = positiveInteger(context.options['idle-exit'], 'idle-exit', 7 * 24 * 3600) ?? DEFAULT_IDLE_SECONDS;
  const existing = await readServiceRecord();
  const running = existing ? await serviceHealth(existing) : null;
  if (running) throw new BatonError(`baton serve already runs for this user (pid ${running.pid}, 127.0.0.1:${existing!.port})`, EXIT.BUSY, 'one service per user: use that one, or stop it (kill its pid) first');

  if (context.options.detach) {
    const record = await ensureServiceRecord(port);
    const where = `127.0.0.1:${record.port}`;
    const logFile = path.join(batonConfigDir(), 'serve.log');
    mkdirSync(batonConfigDir(), { recursive: true, mode: 0o700 });
    const log = openSync(logFile, 'a', 0o600);
    const inspectArgs = context.options['inspect-url'] ? ['--inspect-url', String(context.options['inspect-url'])] : context.options.inspect ? ['--inspect'] : [];
    const child = spawn(process.execPath, [ownScript(), 'serve', '--port', String(record.port), '--idle-exit', String(idleSeconds), ...inspectArgs], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, CLAUDE_PROJECT_DIR: '' } });
    closeSync(log);
    child.unref();
    for (let waited = 0; waited < 5_000; waited += 50) {
      const health = await serviceHealth(record);
      if (health) {
        if (context.json) printJson({ running: true, pid: health.pid, port: record.port, log: logFile });
        else println(`baton serve runs on ${where} (pid ${health.pid}); its log: ${logFile}`);
        return 0;
      }
      await sleep(50);
    }
    throw new BatonError(`baton serve did not answer on ${where} within 5 s`, EXIT.INTERNAL, `see ${logFile}`);
  }

  const lock = await takeServiceLock();
  if ('heldBy' in lock) throw new BatonError(`another baton serve (pid ${lock.heldBy}) is starting or running for this user`, EXIT.BUSY, 'one service per user: use that one, or stop it first');
  const record = await ensureServiceRecord(port);
  const where = `127.0.0.1:${record.port}`;
  // The service answers for the projects requests name, never for the directory it was started in.
  delete process.env.CLAUDE_PROJECT_DIR;
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  // --inspect / --inspect-url: the Stately inspector, through a relay (`baton inspect`).
  const inspect = context.options.inspect || context.options['inspect-url'] ? await (await import('../../visualize/inspector.js')).inspectorFor(context.options) : undefined;
  const inspected = inspect ? (await import('../serve/inspected-sessions.js')).inspectSessions(inspect) : undefined;
  // A failure inside a request is answered there; anything that still escapes is logged, not fatal: the hooks depend on the service.
  process.on('uncaughtException', (error) => log(`uncaught: ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => log(`unhandled: ${(error as Error)?.stack ?? error}`));
  process.once('exit', () => lock.release());
  // Listening for the signals before the service starts: a SIGTERM sent as soon as its record appears must close it, not kill it.
  const stopRequested = new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
  });
  let service;
  try {
    service = await startService({ record, idleSeconds, log, ...(inspected ? { inspected } : {}) });
  } catch (error) {
    lock.release();
    throw error;
  }
  log(`baton serve listening on ${where} (pid ${process.pid}); exits after ${idleSeconds} s without a request`);
  await stopRequested;
  await service.close();
  lock.release();
  return 0;
}
