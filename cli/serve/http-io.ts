/** Reading a request and writing an answer: bounded bodies, JSON in and out, errors that say what is wrong. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** As much as a hook's stdin may carry (cli/stdin.ts): a PostToolUse of a large Write. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Answered with 413 (see the server's fail); the rest is not kept.
        reject(new HttpError(413, `the request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.trim() === '' ? {} : JSON.parse(text));
      } catch (error) {
        reject(new HttpError(400, `the request body is not JSON: ${(error as Error).message}`));
      }
    });
  });
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { status, message } });
}
