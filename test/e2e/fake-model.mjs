// A stand-in for the Anthropic Messages API on 127.0.0.1, for running the real Claude Code
// CLI with no network: the agent loop (a request offering the Write and Bash tools) gets the
// steps of a script, one per assistant turn; anything else Claude Code asks (titles,
// summaries, token counts, the model list) gets a short, harmless answer. Every request is
// kept, so a run can check what the model was shown: the hook context, the tool results.
import { randomBytes } from 'node:crypto';
import http from 'node:http';

const MODEL = 'claude-sonnet-4-5-20250929';
const newId = (prefix) => `${prefix}_${randomBytes(12).toString('hex')}`;
const usage = { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

const offersAgentTools = (body) => {
  const names = new Set((body.tools ?? []).map((tool) => tool.name));
  return names.has('Write') && names.has('Bash');
};

/** The content of the answer: the script's step for this turn, its end, or a short text for side requests. */
function answer(body, script) {
  if (!offersAgentTools(body)) return { content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn' };
  const turn = (body.messages ?? []).filter((message) => message.role === 'assistant').length;
  const step = script[turn] ?? { text: 'Done.' };
  if (step.text !== undefined) return { content: [{ type: 'text', text: step.text }], stop_reason: 'end_turn' };
  return { content: [{ type: 'tool_use', id: newId('toolu'), name: step.tool, input: step.input }], stop_reason: 'tool_use' };
}

/** The answer as the streaming API sends it: server-sent events, one block at a time. */
function stream(res, message) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': newId('req') });
  const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send('message_start', { message: { ...message, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } });
  message.content.forEach((block, index) => {
    const start = block.type === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: block.id, name: block.name, input: {} };
    send('content_block_start', { index, content_block: start });
    send('content_block_delta', { index, delta: block.type === 'text' ? { type: 'text_delta', text: block.text } : { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    send('content_block_stop', { index });
  });
  send('message_delta', { delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: 20 } });
  send('message_stop', {});
  res.end();
}

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req') });
  res.end(JSON.stringify(value));
}

/** Starts the server; `script` is the agent's steps: `{tool, input}` or `{text}`. */
export function startFakeModel(script) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        return json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'fake model: the body is not JSON' } });
      }
      requests.push({ method: req.method, path: url.pathname, body });
      if (req.method === 'POST' && url.pathname === '/v1/messages') {
        const message = { id: newId('msg'), type: 'message', role: 'assistant', model: body.model ?? MODEL, ...answer(body, script), stop_sequence: null, usage };
        return body.stream ? stream(res, message) : json(res, 200, message);
      }
      if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') return json(res, 200, { input_tokens: 1000 });
      if (req.method === 'GET' && url.pathname.startsWith('/v1/models')) {
        const model = { type: 'model', id: MODEL, display_name: 'Fake model', created_at: '2025-09-29T00:00:00Z' };
        return json(res, 200, url.pathname === '/v1/models' ? { data: [model], has_more: false, first_id: MODEL, last_id: MODEL } : model);
      }
      return json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `fake model: no ${req.method} ${url.pathname}` } });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        requests,
        /** Every agent-loop request, as text: what the model was shown. */
        shown: () => requests.filter((request) => offersAgentTools(request.body)).map((request) => JSON.stringify(request.body)).join('\n'),
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}
