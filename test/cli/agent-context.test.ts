/** The SessionStart context fits Claude Code's limit for additionalContext (8,000 characters, 200 lines), and says when it was cut. */
import { describe, expect, it } from 'vitest';
import { CONTEXT_LIMITS, fitContext } from '../../cli/agent-context.js';

describe('fitContext', () => {
  it('leaves a context within the limits as it is', () => {
    const text = 'baton: IMPLEMENT\nDo now: start feature login';
    expect(fitContext(text)).toBe(text);
  });

  it('cuts a long one under 8,000 characters, keeping whole lines first, and says where to see all of it', () => {
    const text = Array.from({ length: 60 }, (_, i) => `line ${i} ${'x'.repeat(200)}`).join('\n');
    const fitted = fitContext(text);
    expect(fitted.length).toBeLessThanOrEqual(CONTEXT_LIMITS.chars);
    expect(fitted.startsWith('line 0 ')).toBe(true);
    expect(fitted.endsWith('`baton entry` shows all of it)')).toBe(true);
  });

  it('cuts one of many short lines under 200 lines', () => {
    const fitted = fitContext(Array.from({ length: 500 }, (_, i) => `file-${i}.js`).join('\n'));
    expect(fitted.split('\n').length).toBeLessThanOrEqual(CONTEXT_LIMITS.lines);
    expect(fitted).toContain('file-0.js');
    expect(fitted).not.toContain('file-499.js');
  });

  it('cuts a single huge line to fit', () => {
    const fitted = fitContext(`Recent files: ${'a/'.repeat(10_000)}`);
    expect(fitted.length).toBeLessThanOrEqual(CONTEXT_LIMITS.chars);
    expect(fitted.startsWith('Recent files: a/a/')).toBe(true);
  });
});
