import { createHash } from 'node:crypto';

/** SHA-256 of a text, in hex: how baton recognises content it has seen (trusted config, written lists, git facts). */
export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
