import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNotes } from './notes.js';

test('adds and lists notes', () => {
  const notes = createNotes();
  notes.add('buy milk');
  assert.deepEqual(notes.list(), [{ id: 1, text: 'buy milk' }]);
});
