/**
 * Text baton does not control (file paths, feature descriptions, notes, git subjects) kept on
 * one line: line breaks and other control characters are shown escaped (`\n`, `\u001b`), so a
 * value can never add a line of its own to the agent's context or a summary, nor drive a terminal.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function oneLine(text: string): string {
  return text.replace(CONTROL, (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Every string in a JSON-like value, one-lined: for a report whose every field may reach the agent. */
export function oneLineStrings<T>(value: T): T {
  if (typeof value === 'string') return oneLine(value) as T;
  if (Array.isArray(value)) return value.map(oneLineStrings) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, oneLineStrings(item)])) as T;
  return value;
}
