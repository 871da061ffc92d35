/**
 * The session page, served live: the same page as `baton visualize --format html`, plus one
 * script (allowed by a nonce in its CSP) that listens to the session's stream and reloads the
 * page when the revision changes, whoever changed it (the service, the CLI, another process).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sessionMachine } from '../../machines/session.js';
import { readSettledStateLight } from '../../services/lifecycle/checkpoint.js';
import { projectPaths } from '../../services/project/paths.js';
import { ownFileStats } from '../../services/storage/write.js';
import { buildChart } from '../../visualize/graph.js';
import { renderHtml } from '../../visualize/html.js';
import { toMermaid } from '../../visualize/mermaid.js';
import { loadProjectView } from '../../visualize/project-data.js';

/** Set by the build (build.mjs) from package.json. */
declare const BATON_VERSION: string;

const POLL_MS = 200;
const KEEPALIVE_MS = 15_000;

export async function sendLivePage(res: ServerResponse, root: string, token: string): Promise<void> {
  const view = await loadProjectView(projectPaths(root));
  const chart = buildChart(sessionMachine);
  const nonce = randomBytes(16).toString('base64');
  const streamUrl = `/v1/stream?project=${encodeURIComponent(root)}&token=${token}`;
  const html = renderHtml({ view, chart, mermaid: toMermaid(chart, { current: view.current?.active ?? [] }), version: BATON_VERSION, live: { streamUrl, nonce } });
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'nonce-${nonce}'; connect-src 'self'` });
  res.end(html);
}

/** Server-sent events: `revision` with the session's revision now, and again each time it changes. */
export function streamRevisions(res: ServerResponse, root: string): void {
  const paths = projectPaths(root);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  let stamp = '';
  let revision: number | null | undefined;
  const look = async () => {
    const stat = ownFileStats(paths, paths.state);
    const now = stat ? `${stat.mtimeMs}:${stat.size}` : 'none';
    if (now === stamp) return;
    stamp = now;
    const next = (await readSettledStateLight(paths).catch(() => null))?.revision ?? null;
    if (next === revision) return;
    revision = next;
    res.write(`event: revision\ndata: ${revision ?? 'none'}\n\n`);
  };
  void look();
  const poll = setInterval(() => void look(), POLL_MS);
  const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
  res.on('close', () => {
    clearInterval(poll);
    clearInterval(keepalive);
  });
}
