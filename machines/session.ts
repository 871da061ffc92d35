/**
 * The session lifecycle as an XState v5 statechart. Pure: no file system, process or git
 * access. The invoked actors below are placeholders; the session service provides the
 * real ones (actors/), tests provide fakes.
 */
import { and, assign, setup } from 'xstate';
import { eachActor, promiseActors, type ActorName } from './actors.js';
import type { SessionEvent } from './events.js';
import { DEFAULT_MAX_RETRIES, findFeature, isOpenStatus, moveInTally, type FeatureTally } from './features.js';
import type { CommitReport, GitContext, HealthReport, LoadedContext, TestRunReport } from './observations.js';

export const TOP_STATES = ['START', 'INIT', 'IMPLEMENT', 'TEST', 'FIX_BROKEN', 'COMPLETE'] as const;
export type TopState = (typeof TOP_STATES)[number];

/** Bumped when a change to the machine makes older persisted snapshots need a migration (2: the feature tally replaced the list). */
export const MACHINE_VERSION = 2;

type ResumableState = 'IMPLEMENT' | 'TEST';

export interface SessionContext {
  health: HealthReport | null;
  /** Counts and the features in focus, synced from the feature list file; null: there is no feature list yet. */
  featureTally: FeatureTally | null;
  currentFeatureId: string | null;
  /** The work state a session was in before entry or a breakage, to come back to it. */
  resumeState: ResumableState | null;
  maxRetries: number;
  lastFailure: { featureId: string; reason: string } | null;
  git: GitContext | null;
  loaded: LoadedContext | null;
  /** The last commit at which the health check passed: what a rollback goes back to. */
  lastHealthyCommit: string | null;
  /**
   * Set on entering FIX_BROKEN; cleared only by a HEALTHY check or a forced way out. While
   * set, a check that cannot tell (UNKNOWN: untrusted config, none configured) keeps the
   * session in FIX_BROKEN: only evidence of health ends a breakage.
   */
  breakageUnresolved: boolean;
  lastTestRun: TestRunReport | null;
  lastCommit: CommitReport | null;
  /** Set by `baton entry --force` for that one entry. */
  skipHealthCheck: boolean;
  /** Set for one entry whose caller found the last health check recent (SessionStart after a compaction). */
  keepRecentHealth: boolean;
}

export interface SessionInput {
  maxRetries?: number;
}

export function initialContext(input: SessionInput = {}): SessionContext {
  return {
    health: null,
    featureTally: null,
    currentFeatureId: null,
    resumeState: null,
    maxRetries: input.maxRetries ?? DEFAULT_MAX_RETRIES,
    lastFailure: null,
    git: null,
    loaded: null,
    lastHealthyCommit: null,
    breakageUnresolved: false,
    lastTestRun: null,
    lastCommit: null,
    skipHealthCheck: false,
    keepRecentHealth: false,
  };
}

function notProvided(name: ActorName) {
  return async (): Promise<never> => {
    throw new Error(`actor "${name}" was not provided to the session machine`);
  };
}

/** The feature an event is about: its featureId, or (for a test run's result) the feature under test. */
function featureIdOf(context: SessionContext, event: SessionEvent): string | undefined {
  return 'featureId' in event ? event.featureId : (context.currentFeatureId ?? undefined);
}

/** Why the tests failed, from the agent's TESTS_FAILED or from the runner's report (recorded before the verdict). */
function failureReason(context: SessionContext, event: SessionEvent): string {
  if (event.type === 'TESTS_FAILED') return event.reason ?? 'tests failed';
  return context.lastTestRun?.reason ?? 'tests failed';
}

/** Error objects do not survive JSON (the event log): accept `{message}` as well. */
function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

/** Leaving a work state for the entry protocol or for FIX_BROKEN remembers that state. */
function enterFrom(state: ResumableState | null) {
  return {
    target: '#session.START.safetyValidation',
    actions: [{ type: 'rememberResumeState', params: { state } }, 'applyEntryOptions'],
  } as const;
}

function breakFrom(state: ResumableState | null) {
  return {
    target: '#session.FIX_BROKEN',
    actions: [{ type: 'rememberResumeState', params: { state } }, 'markReportedBroken'],
  } as const;
}

type ActorId = 'healthCheck' | 'gitContext' | 'featureList' | 'sessionContext' | 'testRun' | 'featureCommit';

export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actors: promiseActors(eachActor(notProvided)),
  guards: {
    isBroken: ({ context }) => context.health?.status === 'BROKEN' || (context.breakageUnresolved && context.health?.status !== 'HEALTHY'),
    hasNoFeatureList: ({ context }) => (context.featureTally?.counts.total ?? 0) === 0,
    hasOpenFeatures: ({ context }) => (context.featureTally?.counts.open ?? 0) > 0,
    canResumeTest: ({ context }) =>
      context.resumeState === 'TEST' &&
      context.currentFeatureId !== null &&
      findFeature(context.featureTally?.focus, context.currentFeatureId)?.status === 'implemented',
    isOpenFeature: ({ context, event }) => {
      const feature = findFeature(context.featureTally?.focus, featureIdOf(context, event) ?? '');
      return feature !== undefined && isOpenStatus(feature.status);
    },
    isFeatureUnderTest: ({ context, event }) => {
      const id = featureIdOf(context, event);
      return id !== undefined && id === context.currentFeatureId && findFeature(context.featureTally?.focus, id)?.status === 'implemented';
    },
    retriesExhausted: ({ context, event }) => {
      const feature = findFeature(context.featureTally?.focus, featureIdOf(context, event) ?? '');
      return feature !== undefined && feature.retries + 1 >= context.maxRetries;
    },
    shouldSkipHealthCheck: ({ context }) => context.skipHealthCheck,
    hasRecentHealth: ({ context }) => context.keepRecentHealth && context.health !== null,
    healthCheckPassed: (_, params: HealthReport) => params.status === 'HEALTHY',
    isForcedFix: ({ event }) => event.type === 'HEALTH_FIXED' && event.force === true,
    testsNotConfigured: ({ context }) => context.lastTestRun?.outcome === 'not_configured',
    testsPassed: ({ context }) => context.lastTestRun?.outcome === 'passed',
    testsTimedOut: ({ context }) => context.lastTestRun?.outcome === 'timed_out',
  },
  actions: {
    rememberResumeState: assign((_, params: { state: ResumableState | null }) => ({ resumeState: params.state })),
    applyEntryOptions: assign(({ context, event }) => {
      if (event.type !== 'SESSION_ENTRY') return {};
      return { maxRetries: event.maxRetries ?? context.maxRetries, skipHealthCheck: event.skipHealthCheck ?? false, keepRecentHealth: event.keepRecentHealth ?? false };
    }),
    syncFeatures: assign(({ event }) => (event.type === 'FEATURES_SYNCED' ? { featureTally: event.tally } : {})),
    assignLoadedFeatures: assign((_, params: FeatureTally | null) => ({ featureTally: params })),
    /** A HEALTHY report, wherever it arrives, ends a breakage and makes the commit it checked the one to roll back to. */
    recordHealth: assign((_, params: HealthReport) =>
      params.status === 'HEALTHY' ? { health: params, breakageUnresolved: false, ...(params.head ? { lastHealthyCommit: params.head } : {}) } : { health: params },
    ),
    markHealthSkipped: assign({
      health: { status: 'UNKNOWN', source: 'skipped', detail: 'health check skipped for this entry (--force); recorded in the event log' },
      skipHealthCheck: false,
      breakageUnresolved: false,
    }),
    markHealthForced: assign(({ event }) => {
      const reason = event.type === 'HEALTH_FIXED' ? event.reason : undefined;
      return {
        health: { status: 'UNKNOWN' as const, source: 'forced' as const, detail: `marked fixed without a passing health check (HEALTH_FIXED with force)${reason ? `: ${reason}` : ''}; recorded in the event log` },
        breakageUnresolved: false,
      };
    }),
    clearKeepRecentHealth: assign({ keepRecentHealth: false }),
    markBreakageUnresolved: assign({ breakageUnresolved: true }),
    assignGit: assign((_, params: GitContext) => ({ git: params })),
    assignLoadedContext: assign((_, params: LoadedContext) => ({ loaded: params })),
    markReportedBroken: assign(({ event }) => ({
      health: {
        status: 'BROKEN' as const,
        source: 'reported' as const,
        detail: event.type === 'HEALTH_BROKEN' && event.reason ? event.reason : 'reported broken (HEALTH_BROKEN)',
      },
    })),
    recordActorFailure: assign(({ context }, params: { actor: ActorId; error: unknown }) => {
      const message = errorMessage(params.error);
      switch (params.actor) {
        case 'healthCheck':
          return { health: { status: 'UNKNOWN' as const, source: 'error' as const, detail: `health check could not run: ${message}` } };
        case 'gitContext':
          return { git: null };
        case 'featureList':
          return {};
        case 'sessionContext':
          return { loaded: { latestSummary: null, fileHistory: null } };
        case 'testRun':
          return { lastTestRun: { outcome: 'not_configured' as const, featureId: context.currentFeatureId, step: null, reason: `the test runner could not run: ${message}` } };
        case 'featureCommit':
          return { lastCommit: { status: 'failed' as const, featureId: context.currentFeatureId, detail: message } };
      }
    }),
    startFeature: assign(({ context, event }) => {
      const id = featureIdOf(context, event)!;
      const feature = findFeature(context.featureTally?.focus, id)!;
      const status = feature.status === 'implemented' ? 'implemented' : 'in_progress';
      // Starting a blocked feature again is a deliberate new attempt: it gets a fresh retry budget.
      const retryDelta = feature.status === 'blocked' ? -feature.retries : 0;
      return { featureTally: moveInTally(context.featureTally, id, status, retryDelta), currentFeatureId: id };
    }),
    markImplemented: assign(({ context, event }) => {
      const id = featureIdOf(context, event)!;
      return { featureTally: moveInTally(context.featureTally, id, 'implemented'), currentFeatureId: id };
    }),
    markTested: assign(({ context, event }) => ({
      featureTally: moveInTally(context.featureTally, featureIdOf(context, event)!, 'tested'),
      lastFailure: null,
    })),
    recordTestFailure: assign(({ context, event }) => {
      const id = featureIdOf(context, event)!;
      return { featureTally: moveInTally(context.featureTally, id, 'in_progress', 1), lastFailure: { featureId: id, reason: failureReason(context, event) } };
    }),
    blockFeature: assign(({ context, event }) => {
      const id = featureIdOf(context, event)!;
      return { featureTally: moveInTally(context.featureTally, id, 'blocked', 1), currentFeatureId: null, lastFailure: { featureId: id, reason: failureReason(context, event) } };
    }),
    recordTestRun: assign((_, params: TestRunReport) => ({ lastTestRun: params })),
    recordCommit: assign((_, params: CommitReport) => ({ lastCommit: params })),
    clearCurrentFeature: assign({ currentFeatureId: null }),
  },
}).createMachine({
  id: 'session',
  initial: 'START',
  context: ({ input }) => initialContext(input),
  on: {
    FEATURES_SYNCED: { actions: 'syncFeatures' },
  },
  states: {
    START: {
      initial: 'awaitingEntry',
      on: {
        SESSION_ENTRY: { target: '.safetyValidation', reenter: true, actions: 'applyEntryOptions' },
      },
      states: {
        awaitingEntry: { tags: 'settled' },
        // Phase 1: git context (directory, recent commits) and health run side by side.
        safetyValidation: {
          type: 'parallel',
          onDone: 'stateManagement',
          states: {
            git: {
              initial: 'running',
              states: {
                running: {
                  invoke: {
                    id: 'gitContext',
                    src: 'readGitContext',
                    input: ({ context }) => ({ since: context.lastHealthyCommit }),
                    onDone: { target: 'done', actions: { type: 'assignGit', params: ({ event }) => event.output } },
                    onError: { target: 'done', actions: { type: 'recordActorFailure', params: ({ event }) => ({ actor: 'gitContext', error: event.error }) } },
                  },
                },
                done: { type: 'final' },
              },
            },
            health: {
              initial: 'choosing',
              states: {
                choosing: {
                  always: [
                    { guard: 'shouldSkipHealthCheck', target: 'done', actions: 'markHealthSkipped' },
                    { guard: 'hasRecentHealth', target: 'done', actions: 'clearKeepRecentHealth' },
                    { target: 'running' },
                  ],
                },
                running: {
                  invoke: {
                    id: 'healthCheck',
                    src: 'checkHealth',
                    onDone: { target: 'done', actions: { type: 'recordHealth', params: ({ event }) => event.output } },
                    onError: { target: 'done', actions: { type: 'recordActorFailure', params: ({ event }) => ({ actor: 'healthCheck', error: event.error }) } },
                  },
                },
                done: { type: 'final' },
              },
            },
          },
        },
        // Phase 2: where the work stands (the feature list).
        stateManagement: {
          invoke: {
            id: 'featureList',
            src: 'loadFeatures',
            input: ({ context }) => ({ currentFeatureId: context.currentFeatureId }),
            onDone: { target: 'contextLoading', actions: { type: 'assignLoadedFeatures', params: ({ event }) => event.output } },
            onError: { target: 'contextLoading', actions: { type: 'recordActorFailure', params: ({ event }) => ({ actor: 'featureList', error: event.error }) } },
          },
        },
        // Phase 3: what the agent needs to pick up the thread (summary, recent files).
        contextLoading: {
          invoke: {
            id: 'sessionContext',
            src: 'loadContext',
            onDone: { target: 'deciding', actions: { type: 'assignLoadedContext', params: ({ event }) => event.output } },
            onError: { target: 'deciding', actions: { type: 'recordActorFailure', params: ({ event }) => ({ actor: 'sessionContext', error: event.error }) } },
          },
        },
        // The entry decision: the spec's order, plus resuming a feature that was under test.
        deciding: {
          always: [
            { guard: 'isBroken', target: '#session.FIX_BROKEN' },
            { guard: 'hasNoFeatureList', target: '#session.INIT' },
            // Resuming does not rerun the tests on entry: `baton test` does that when asked.
            { guard: 'canResumeTest', target: '#session.TEST.awaitingResults' },
            { guard: 'hasOpenFeatures', target: '#session.IMPLEMENT' },
            { target: '#session.COMPLETE' },
          ],
        },
      },
    },
    INIT: {
      tags: 'settled',
      on: {
        SESSION_ENTRY: enterFrom(null),
        FEATURES_DEFINED: { guard: 'hasOpenFeatures', target: 'IMPLEMENT' },
        HEALTH_BROKEN: breakFrom(null),
      },
    },
    IMPLEMENT: {
      tags: 'settled',
      on: {
        SESSION_ENTRY: enterFrom('IMPLEMENT'),
        FEATURE_STARTED: { guard: 'isOpenFeature', actions: 'startFeature' },
        FEATURE_IMPLEMENTED: { guard: 'isOpenFeature', target: 'TEST', actions: 'markImplemented' },
        HEALTH_BROKEN: breakFrom('IMPLEMENT'),
      },
    },
    TEST: {
      initial: 'running',
      on: {
        SESSION_ENTRY: enterFrom('TEST'),
        HEALTH_BROKEN: breakFrom('TEST'),
      },
      states: {
        // smoke_test, then test_command; with neither configured (or not trusted) the agent reports.
        running: {
          invoke: {
            id: 'testRun',
            src: 'runTests',
            input: ({ context }) => ({ featureId: context.currentFeatureId }),
            onDone: { target: 'judging', actions: { type: 'recordTestRun', params: ({ event }) => event.output } },
            onError: { target: 'awaitingResults', actions: { type: 'recordActorFailure', params: ({ event }) => ({ actor: 'testRun', error: event.error }) } },
          },
        },
        // The run's result is recorded once; the verdict is decided here, as the XState credit-check example decides.
        judging: {
          always: [
            { guard: 'testsNotConfigured', target: 'awaitingResults' },
            { guard: 'testsPassed', target: 'committing', actions: 'markTested' },
            // The spec's "test timeout: kill, mark blocked".
            { guard: 'testsTimedOut', target: '#session.IMPLEMENT', actions: 'blockFeature' },
            { guard: 'retriesExhausted', target: '#session.IMPLEMENT', actions: 'blockFeature' },
            { target: '#session.IMPLEMENT', actions: 'recordTestFailure' },
          ],
        },
        awaitingResults: {
          tags: 'settled',
          on: {
            RUN_TESTS: 'running',
            TESTS_PASSED: { guard: 'isFeatureUnderTest', target: 'committing', actions: 'markTested' },
            TESTS_FAILED: [
              { guard: and(['isFeatureUnderTest', 'retriesExhausted']), target: '#session.IMPLEMENT', actions: 'blockFeature' },
              { guard: 'isFeatureUnderTest', target: '#session.IMPLEMENT', actions: 'recordTestFailure' },
            ],
          },
        },
        // Commit the tested feature (idempotent; can be configured off).
        committing: {
          invoke: {
            id: 'featureCommit',
            src: 'commitFeature',
            input: ({ context }) => ({ featureId: context.currentFeatureId }),
            onDone: { target: 'routing', actions: { type: 'recordCommit', params: ({ event }) => event.output } },
            onError: { target: 'routing', actions: { type: 'recordActorFailure', params: ({ event }) => ({ actor: 'featureCommit', error: event.error }) } },
          },
        },
        routing: {
          entry: 'clearCurrentFeature',
          always: [{ guard: 'hasOpenFeatures', target: '#session.IMPLEMENT' }, { target: '#session.COMPLETE' }],
        },
      },
    },
    FIX_BROKEN: {
      initial: 'awaitingFix',
      entry: 'markBreakageUnresolved',
      on: {
        // resumeState is kept: it still says where the work was when the breakage began.
        // The flag is set here too for a snapshot persisted before it existed.
        SESSION_ENTRY: { target: '#session.START.safetyValidation', actions: ['applyEntryOptions', 'markBreakageUnresolved'] },
        HEALTH_BROKEN: { target: '.awaitingFix', actions: 'markReportedBroken' },
      },
      states: {
        awaitingFix: {
          tags: 'settled',
          on: {
            HEALTH_FIXED: [
              // The agent's word instead of a check: logged with its reason; not a healthy commit.
              { guard: 'isForcedFix', target: '#session.START.deciding', actions: 'markHealthForced' },
              { target: 'verifying' },
            ],
          },
        },
        verifying: {
          invoke: {
            id: 'healthCheck',
            src: 'checkHealth',
            // Only HEALTHY ends the breakage: UNKNOWN (no check could run) is not a pass.
            onDone: [
              { guard: { type: 'healthCheckPassed', params: ({ event }) => event.output }, target: '#session.START.deciding', actions: { type: 'recordHealth', params: ({ event }) => event.output } },
              { target: 'awaitingFix', actions: { type: 'recordHealth', params: ({ event }) => event.output } },
            ],
            onError: { target: 'awaitingFix', actions: { type: 'recordActorFailure', params: ({ event }) => ({ actor: 'healthCheck', error: event.error }) } },
          },
        },
      },
    },
    COMPLETE: {
      tags: 'settled',
      on: {
        SESSION_ENTRY: enterFrom(null),
        FEATURES_DEFINED: { guard: 'hasOpenFeatures', target: 'IMPLEMENT' },
        HEALTH_BROKEN: breakFrom(null),
      },
    },
  },
});

export type SessionMachine = typeof sessionMachine;
