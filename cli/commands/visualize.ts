/**
 * `baton visualize --format mermaid|json|html [--out FILE]`: the statechart generated from
 * the machine, with this project's current state; the html page adds the path through the
 * states, the features and session metrics. Reads the project's files, changes nothing.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sessionMachine } from '../../machines/session.js';
import { BatonError, EXIT, UsageError } from '../../services/errors.js';
import { buildChart } from '../../visualize/graph.js';
import { renderHtml } from '../../visualize/html.js';
import { toStatelyJson } from '../../visualize/json.js';
import { toMermaid } from '../../visualize/mermaid.js';
import { loadProjectView, readCurrentState } from '../../visualize/project-data.js';
import type { CommandContext } from '../context.js';
import { printJson, println } from '../output.js';

const FORMATS = ['mermaid', 'json', 'html'] as const;
type Format = (typeof FORMATS)[number];

/** `--live`: the address of the page `baton serve` serves for this project, updated as the session changes. */
async function liveAddress(context: CommandContext): Promise<number> {
  const [{ readServiceRecord }, { viewToken }, { serviceHealth }] = await Promise.all([import('../../services/serve/service-record.js'), import('../../services/serve/request-guard.js'), import('../serve/client.js')]);
  const record = await readServiceRecord();
  if (!record || !(await serviceHealth(record))) throw new BatonError('baton serve is not running, and the live page is its to serve', EXIT.REFUSED, 'start it with `baton serve --detach`, then run this again');
  const url = `http://127.0.0.1:${record.port}/v1/page?project=${encodeURIComponent(context.paths.root)}&token=${viewToken(record.secret, context.paths.root)}`;
  if (context.json) printJson({ url });
  else println(url);
  return 0;
}

export async function run(context: CommandContext): Promise<number> {
  if (context.options.live) return liveAddress(context);
  if (context.args.length) throw new UsageError(`unexpected argument(s): ${context.args.join(' ')}`, 'usage: baton visualize --format mermaid|json|html [--out FILE]');
  const format = (context.options.format as string | undefined) ?? 'mermaid';
  if (!FORMATS.includes(format as Format)) throw new UsageError(`unknown format "${format}"`, `formats: ${FORMATS.join(', ')}`);
  const out = context.options.out as string | undefined;
  const now = new Date();
  const chart = buildChart(sessionMachine);

  let text: string;
  let currentState: string | null = null;
  if (format === 'html') {
    const view = await loadProjectView(context.paths, now);
    currentState = view.current?.state ?? null;
    text = renderHtml({ view, chart, mermaid: toMermaid(chart, { current: view.current?.active ?? [] }) });
  } else {
    const { current, problem } = await readCurrentState(context.paths, now);
    if (problem) process.stderr.write(`baton: warning: ${problem}; the current state is not marked\n`);
    currentState = current?.state ?? null;
    text = format === 'mermaid' ? toMermaid(chart, { current: current?.active ?? [] }) : `${JSON.stringify(toStatelyJson(sessionMachine, current, now.toISOString()), null, 2)}\n`;
  }

  if (out) {
    const file = path.resolve(out);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, text);
    const bytes = Buffer.byteLength(text);
    if (context.json) printJson({ format, out: file, bytes, current_state: currentState });
    else println(`wrote ${out} (${format}, ${(bytes / 1024).toFixed(1)} KB${currentState ? `, current state ${currentState}` : ''})`);
    return 0;
  }
  if (context.json && format !== 'json') printJson({ format, current_state: currentState, content: text });
  else process.stdout.write(text);
  return 0;
}
