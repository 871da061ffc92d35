/**
 * Reading the JSON files baton shares with users and agents. Every failure names the
 * file, where in it, and what is wrong; nothing here ever modifies a file.
 */
import { config, type core } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini carries no messages of its own; every schema problem baton reports quotes one, in English.
config(en());

export interface FileProblem {
  file: string;
  location?: string;
  problem: string;
}

const BOM = '\uFEFF';

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** Parses JSON text, explaining empty, truncated, binary or malformed content precisely. */
export function parseJsonText(file: string, text: string): { ok: true; value: unknown; warnings: string[] } | { ok: false; problem: FileProblem } {
  const warnings: string[] = [];
  let body = text;
  if (body.startsWith(BOM)) {
    body = body.slice(1);
    warnings.push(`${file}: starts with a byte order mark; ignored it`);
  }
  const nul = body.indexOf('\u0000');
  if (nul !== -1) {
    return { ok: false, problem: { file, location: lineAndColumn(body, nul), problem: 'contains NUL bytes (the file is binary or was torn by a crash)' } };
  }
  if (body.trim() === '') return { ok: false, problem: { file, problem: 'is empty (expected a JSON object)' } };
  try {
    return { ok: true, value: JSON.parse(body), warnings };
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const truncated = /Unexpected end of JSON input|Unterminated/.test(message) || (position !== null && Number(position[1]) >= body.trimEnd().length);
    return {
      ok: false,
      problem: {
        file,
        location: position ? lineAndColumn(body, Number(position[1])) : truncated ? 'end of file' : undefined,
        problem: truncated ? 'is truncated: the JSON ends before it is complete' : `is not valid JSON: ${message.replace(/^JSON\.parse: /, '')}`,
      },
    };
  }
}

export function formatZodPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(top level)';
}

/** The first schema violation as a problem a user can fix. */
export function schemaProblem(file: string, error: core.$ZodError): FileProblem {
  const issue = error.issues[0]!;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return { file, location: formatZodPath(issue.path), problem: `${issue.message}${more}` };
}

export function describeProblem(problem: FileProblem): string {
  return `${problem.file}${problem.location ? ` (${problem.location})` : ''}: ${problem.problem}`;
}
