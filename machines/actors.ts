/**
 * The work the statechart invokes, as one table: each actor's name, what it is given and
 * what it reports. The machine's setup (placeholders), the world's implementations
 * (actors/index.ts), replay's stand-ins (their results come from the log) and the tests'
 * fakes are all made from it, so an actor cannot be added, renamed or retyped in one of
 * them and not the others.
 */
import { fromPromise, type PromiseActorLogic } from 'xstate';
import type { FeatureTally } from './features.js';
import type { CommitReport, GitContext, HealthReport, LoadedContext, TestRunReport } from './observations.js';

export interface InvokedActors {
  checkHealth: { input: void; output: HealthReport };
  readGitContext: { input: { since: string | null }; output: GitContext };
  /** The feature list's tally; the session service reads the file itself (services/features/feature-sync.ts). */
  loadFeatures: { input: { currentFeatureId: string | null }; output: FeatureTally | null };
  loadContext: { input: void; output: LoadedContext };
  runTests: { input: { featureId: string | null }; output: TestRunReport };
  commitFeature: { input: { featureId: string | null }; output: CommitReport };
}

export type ActorName = keyof InvokedActors;

export const ACTOR_NAMES: readonly ActorName[] = ['checkHealth', 'readGitContext', 'loadFeatures', 'loadContext', 'runTests', 'commitFeature'];

/** One actor's work: its input and a signal that aborts it (the machine stopped), resolving to its report. */
export type ActorWork<K extends ActorName> = (input: InvokedActors[K]['input'], signal: AbortSignal) => Promise<InvokedActors[K]['output']>;

export type ActorWorks = { [K in ActorName]: ActorWork<K> };

export type ActorLogics = { [K in ActorName]: PromiseActorLogic<InvokedActors[K]['output'], InvokedActors[K]['input']> };

/** The same work for every actor, made per name (placeholders, stand-ins, fakes). */
export function eachActor(make: <K extends ActorName>(name: K) => ActorWork<K>): ActorWorks {
  return Object.fromEntries(ACTOR_NAMES.map((name) => [name, make(name)])) as unknown as ActorWorks;
}

/** The promise actors the machine invokes, from their work. */
export function promiseActors(works: ActorWorks): ActorLogics {
  return Object.fromEntries(
    ACTOR_NAMES.map((name) => [name, fromPromise(({ input, signal }: { input: never; signal: AbortSignal }) => (works[name] as ActorWork<ActorName>)(input, signal))]),
  ) as unknown as ActorLogics;
}

/** The actors the world implements: all but the feature list's, which the session service reads itself. */
export const WORLD_ACTOR_NAMES = ACTOR_NAMES.filter((name): name is Exclude<ActorName, 'loadFeatures'> => name !== 'loadFeatures');

/** What the world provides: the work of every actor in WORLD_ACTOR_NAMES. */
export type WorldActors = Pick<ActorWorks, (typeof WORLD_ACTOR_NAMES)[number]>;

/** Works whose implementations are loaded on first use, once (the world's modules are heavy, and most events run no actor). */
export function loadedOnFirstUse<K extends ActorName>(names: readonly K[], load: () => Promise<Pick<ActorWorks, K>>): Pick<ActorWorks, K> {
  let loaded: Promise<Pick<ActorWorks, K>> | undefined;
  const works = names.map((name) => [name, async (input: never, signal: AbortSignal) => ((await (loaded ??= load()))[name] as ActorWork<ActorName>)(input, signal)]);
  return Object.fromEntries(works) as unknown as Pick<ActorWorks, K>;
}
