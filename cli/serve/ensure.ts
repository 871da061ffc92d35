/** SessionStart with HTTP hooks (`--serve`): the service must answer before the first tool call, or the gate refuses it. */
import { execFile } from 'node:child_process';
import { ensureServiceRecord } from '../../services/serve/service-record.js';
import { ownScript } from '../own-install.js';
import { serviceHealth } from './client.js';

/** Null when the service answers (already, or after starting it); else what went wrong, for the agent's context. */
export async function ensureServiceRunning(): Promise<string | null> {
  try {
    const record = await ensureServiceRecord();
    if (await serviceHealth(record)) return null;
    // `serve --detach` returns once the new service answers (or says why it did not).
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [ownScript(), 'serve', '--detach'], { timeout: 15_000, env: { ...process.env, CLAUDE_PROJECT_DIR: '' } }, (error, _stdout, stderr) => (error ? reject(new Error(stderr.trim() || error.message)) : resolve()));
    });
    return (await serviceHealth(record)) ? null : `baton serve started but does not answer on 127.0.0.1:${record.port}`;
  } catch (error) {
    return `baton serve is not running and could not be started (${(error as Error).message})`;
  }
}
