/**
 * The schema version of each file format baton writes with one: stamped when written, checked
 * when read, from here only. No imports, so the per-call hooks can check them too.
 */
export const STATE_SCHEMA_VERSION = 1;
export const CHECKPOINT_SCHEMA_VERSION = 1;
