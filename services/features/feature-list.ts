/**
 * `.claude/progress/feature-list.json`: the features with their status. Users and agents
 * edit this file too, so baton keeps every field it does not own and changes only
 * `status` and `retries`.
 */
import * as z from 'zod/mini';
import { FEATURE_STATUSES, featureIdProblem, type FeatureProgress } from '../../machines/features.js';
import { BadFileError, UsageError } from '../errors.js';
import { parseJsonText, schemaProblem } from '../storage/json-file.js';
import { displayPath, type ProjectPaths } from '../project/paths.js';
import { readOwnJson, type Validator } from '../storage/read.js';
import { ownFileStats, writeOwnFile } from '../storage/write.js';
import { fileStamp } from '../utils/file-stamp.js';
import { sha256 } from '../utils/hash.js';

const featureSchema = z.looseObject({
  id: z.string().check((ctx) => {
    const problem = featureIdProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: `${problem}; rename it in the file (and in any command that names it)` });
  }),
  description: z._default(z.string(), ''),
  status: z._default(z.enum(FEATURE_STATUSES, { message: `status must be one of ${FEATURE_STATUSES.join(', ')}` }), 'pending'),
  retries: z._default(z.int().check(z.minimum(0)), 0),
});

export const featureListSchema = z
  .looseObject({ features: z.array(featureSchema) })
  .check(
    z.superRefine((list, ctx) => {
      const seen = new Map<string, number>();
      list.features.forEach((feature, index) => {
        const first = seen.get(feature.id);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['features', index, 'id'], message: `duplicate id "${feature.id}" (also at features[${first}])` });
        else seen.set(feature.id, index);
      });
    }),
  );

export type Feature = z.infer<typeof featureSchema>;
export type FeatureList = z.infer<typeof featureListSchema>;

const STATUSES: ReadonlySet<unknown> = new Set(FEATURE_STATUSES);

/**
 * A list whose every feature is written out in full and valid: what the schema would return
 * for it unchanged. Checked in one pass (10,000 features: a few ms, where the schema's
 * per-field work takes some 20 at every command). Anything else goes to the schema, which
 * fills the defaults and says what is wrong.
 */
function isCompleteValidList(value: unknown): value is FeatureList {
  const features = (value as { features?: unknown } | null)?.features;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Array.isArray(features)) return false;
  const seen = new Set<string>();
  for (const feature of features as unknown[]) {
    if (typeof feature !== 'object' || feature === null || Array.isArray(feature)) return false;
    const { id, description, status, retries } = feature as Record<string, unknown>;
    if (typeof id !== 'string' || seen.has(id) || featureIdProblem(id) !== null) return false;
    if (typeof description !== 'string' || !STATUSES.has(status) || !Number.isSafeInteger(retries) || (retries as number) < 0) return false;
    seen.add(id);
  }
  return true;
}

/** The schema, with the one-pass check in front of it for the common case. */
const featureListValidator: Validator<FeatureList> = {
  safeParse: (value: unknown) => (isCompleteValidList(value) ? { success: true as const, data: value } : featureListSchema.safeParse(value)),
};

/** The Anthropic quickstart format: an array of {category, description, steps, passes}. */
const quickstartSchema = z.array(
  z.looseObject({
    category: z.optional(z.string()),
    description: z.string().check(z.minLength(1)),
    steps: z.optional(z.array(z.string())),
    passes: z.optional(z.boolean()),
  }),
);

export interface FeatureListFile {
  list: FeatureList;
  /** The exact text it was read from. */
  text: string;
}

/**
 * The last list read, by the file's stamp: one command reads the list several times (entry
 * reads it before and after each actor), and validating 10,000 features each time would
 * make the cost of an event grow with the project. Read-only for callers.
 */
let lastRead: { file: string; stamp: string; read: FeatureListFile } | null = null;

/** The feature list and the exact text it was read from; null when there is none. A bad file is a BadFileError. */
export function readFeatureListFile(paths: ProjectPaths): FeatureListFile | null {
  const stamp = fileStamp(ownFileStats(paths, paths.features));
  if (lastRead && lastRead.file === paths.features && lastRead.stamp === stamp) return lastRead.read;
  const label = displayPath(paths, paths.features);
  const read = readOwnJson(paths, paths.features, featureListValidator);
  if (read.kind === 'missing') return null;
  if (read.kind === 'invalid') {
    throw new BadFileError(read.problem.file, read.problem.problem, read.problem.location, `fix ${label}; baton has not changed it`);
  }
  const result = { list: read.value, text: read.raw };
  lastRead = { file: paths.features, stamp, read: result };
  return result;
}

export async function loadFeatureList(paths: ProjectPaths): Promise<FeatureList | null> {
  return readFeatureListFile(paths)?.list ?? null;
}

export function toProgress(list: FeatureList | null): FeatureProgress[] | null {
  return list ? list.features.map(({ id, status, retries }) => ({ id, status, retries })) : null;
}

export function sameProgress(a: readonly FeatureProgress[] | null, b: readonly FeatureProgress[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((feature, i) => feature.id === b[i]!.id && feature.status === b[i]!.status && feature.retries === b[i]!.retries);
}

/** The list with the machine's statuses written in; features the machine does not know are left as they are. */
export function withProgress(list: FeatureList, progress: readonly FeatureProgress[]): FeatureList {
  const byId = new Map(progress.map((feature) => [feature.id, feature]));
  return {
    ...list,
    features: list.features.map((feature) => {
      const update = byId.get(feature.id);
      return update ? { ...feature, status: update.status, retries: update.retries } : feature;
    }),
  };
}

/** The file's text for `list`, checked first: baton never writes a list it could not read back. */
export function serializeFeatureList(list: FeatureList): string {
  const checked = featureListValidator.safeParse(list);
  if (!checked.success) throw checked.error;
  return `${JSON.stringify(checked.data, null, 2)}\n`;
}

export async function saveFeatureList(paths: ProjectPaths, list: FeatureList): Promise<void> {
  await writeOwnFile(paths, paths.features, serializeFeatureList(list));
}

const ID_LENGTH = 40;

/**
 * The readable part of an id: lower-case ASCII words of the description. Accents are
 * folded ("Café" -> "cafe"); what has no ASCII form (Cyrillic, CJK, emoji) is left out here
 * and made up for by derivedId's hash.
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, ID_LENGTH)
    .replace(/-+$/, '');
}

/** A letter, digit or symbol (emoji) outside ASCII: what a slug cannot spell. Punctuation such as ’ or — does not count. */
const UNSPELLED = /(?![\x00-\x7f])[\p{L}\p{N}\p{S}]/u;

/**
 * The id a description gives: its slug, plus a short hash of the whole text when the slug
 * leaves something out ("Вход в систему" -> "feature-6755f4d2", "Login с паролем" ->
 * "login-b73bbbec"). The same text gives the same id on every run and every machine (NFC, SHA-256).
 */
export function derivedId(text: string): string {
  const slug = slugify(text);
  if (slug && !UNSPELLED.test(text.normalize('NFKD').replace(/\p{M}/gu, ''))) return slug;
  const hash = sha256(text.normalize('NFC').trim()).slice(0, 8);
  return `${(slug || 'feature').slice(0, ID_LENGTH - 9).replace(/-+$/, '')}-${hash}`;
}

/** `stem` itself, or with the first free numeric suffix. */
function freeId(stem: string, taken: ReadonlySet<string>): string {
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n += 1) if (!taken.has(`${stem}-${n}`)) return `${stem}-${n}`;
}

/** An id derived from the description, unique within the list. */
export function uniqueId(description: string, taken: ReadonlySet<string>): string {
  return freeId(derivedId(description), taken);
}

/** A usage error for an --id that is not a valid id; checked before anything is read or created. */
export function checkNewId(id: string | undefined): void {
  if (id === undefined) return;
  const hint = 'leave --id out to derive one from the description';
  if (id === '') throw new UsageError('--id must not be empty', hint);
  const problem = featureIdProblem(id);
  if (problem) throw new UsageError(`--id: ${problem}`, hint);
}

export function addFeature(list: FeatureList | null, description: string, id?: string): { list: FeatureList; feature: Feature } {
  const features = list?.features ?? [];
  const taken = new Set(features.map((feature) => feature.id));
  checkNewId(id);
  if (id !== undefined && taken.has(id)) throw new UsageError(`feature id "${id}" already exists`, 'choose another --id');
  const feature: Feature = { id: id ?? uniqueId(description, taken), description, status: 'pending', retries: 0 };
  return { list: { ...(list ?? {}), features: [...features, feature] }, feature };
}

/** A feature read from an import file; `idFromDescription`: its id was made from its description (the quickstart format has none). */
export interface ImportedFeature {
  feature: Feature;
  idFromDescription: boolean;
}

/**
 * Reads a file to import: baton's own format, or the Anthropic quickstart array.
 * Quickstart entries get ids from their category and description; `passes: true` means tested.
 */
export function parseImport(file: string, text: string): ImportedFeature[] {
  const parsed = parseJsonText(file, text);
  if (!parsed.ok) throw new BadFileError(parsed.problem.file, parsed.problem.problem, parsed.problem.location);
  if (Array.isArray(parsed.value)) {
    const result = quickstartSchema.safeParse(parsed.value);
    if (!result.success) {
      const problem = schemaProblem(file, result.error);
      throw new BadFileError(file, `${problem.problem} (read as the quickstart format: an array of {category, description, steps, passes})`, problem.location);
    }
    const taken = new Set<string>();
    return result.data.map(({ passes, ...entry }) => {
      const id = uniqueId(`${entry.category ? `${entry.category} ` : ''}${entry.description}`, taken);
      taken.add(id);
      return { feature: { ...entry, id, status: passes ? 'tested' : 'pending', retries: 0 }, idFromDescription: true };
    });
  }
  const result = featureListSchema.safeParse(parsed.value);
  if (!result.success) {
    const problem = schemaProblem(file, result.error);
    throw new BadFileError(file, problem.problem, problem.location, 'expected {"features": [...]} or the quickstart array format');
  }
  return result.data.features.map((feature) => ({ feature, idFromDescription: false }));
}

/** Reads and parses a file to import (`features import`, `init --import`); a missing or bad file is a BadFileError. */
export async function readImportFile(file: string): Promise<ImportedFeature[]> {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  let text: string;
  try {
    text = await readFile(path.resolve(file), 'utf8');
  } catch (error) {
    throw new BadFileError(file, `cannot be read: ${(error as Error).message}`);
  }
  return parseImport(file, text);
}

const sameFeature = (a: Feature, b: Feature) => a.description === b.description && (a as { category?: unknown }).category === (b as { category?: unknown }).category;

/**
 * Adds the imported features that are new. A feature whose id is already taken is skipped
 * when it is the same feature (an id from the file, or the same description: a re-import);
 * a different feature whose id was derived from its description gets a suffix instead.
 */
export function mergeImport(list: FeatureList | null, imported: readonly ImportedFeature[]): { list: FeatureList; added: Feature[]; skipped: string[] } {
  const existing = list?.features ?? [];
  const byId = new Map(existing.map((feature) => [feature.id, feature]));
  const added: Feature[] = [];
  const skipped: string[] = [];
  for (const { feature, idFromDescription } of imported) {
    const holder = byId.get(feature.id);
    if (holder && (!idFromDescription || sameFeature(holder, feature))) {
      skipped.push(feature.id);
      continue;
    }
    const entry = holder ? { ...feature, id: freeId(feature.id, new Set(byId.keys())) } : feature;
    byId.set(entry.id, entry);
    added.push(entry);
  }
  return { list: { ...(list ?? {}), features: [...existing, ...added] }, added, skipped };
}

/** Read-modify-write of the feature list under the progress lock. */
export async function editFeatureList<T>(paths: ProjectPaths, edit: (list: FeatureList | null) => { list: FeatureList; result: T } | Promise<{ list: FeatureList; result: T }>): Promise<T> {
  const { acquireLock } = await import('../storage/lock.js');
  const lock = await acquireLock(paths);
  try {
    const { list, result } = await edit(await loadFeatureList(paths));
    await saveFeatureList(paths, list);
    return result;
  } finally {
    await lock.release();
  }
}
