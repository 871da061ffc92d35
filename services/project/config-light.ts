/**
 * project.json as the fast hooks read it: parsed, not validated (no zod on the per-call path),
 * and only for values whose wrong type falls back to the default. Everything that runs a
 * command reads the validated, trusted config (config.ts) instead.
 */
import type { ProjectPaths } from './paths.js';
import { readOwnText } from '../storage/read.js';

export function readConfigLight(paths: ProjectPaths): Record<string, unknown> {
  const read = readOwnText(paths, paths.config);
  if (read.kind !== 'ok') return {};
  try {
    const value: unknown = JSON.parse(read.text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
