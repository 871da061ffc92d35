import * as z from 'zod/mini';
import { featureIdProblem, type FeatureTally } from './features.js';

/** Events a user or agent may send (`baton send`). Payloads are validated before they reach the machine. */
const featureId = z.string().check((ctx) => {
  const problem = ctx.value === '' ? 'featureId must not be empty' : featureIdProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
});

export const userEventSchemas = {
  FEATURES_DEFINED: z.strictObject({}),
  FEATURE_STARTED: z.strictObject({ featureId }),
  FEATURE_IMPLEMENTED: z.strictObject({ featureId }),
  TESTS_PASSED: z.strictObject({ featureId }),
  TESTS_FAILED: z.strictObject({ featureId, reason: z.optional(z.string()) }),
  HEALTH_BROKEN: z.strictObject({ reason: z.optional(z.string()) }),
  HEALTH_FIXED: z.strictObject({
    force: z.optional(z.literal(true, { message: 'force must be true (or left out to run the health check)' })),
    reason: z.optional(z.string()),
  }),
  RUN_TESTS: z.strictObject({}),
} as const;

export type UserEventType = keyof typeof userEventSchemas;
export const USER_EVENT_TYPES = Object.keys(userEventSchemas) as UserEventType[];

export type UserEvent =
  | { type: 'FEATURES_DEFINED' }
  | { type: 'FEATURE_STARTED'; featureId: string }
  | { type: 'FEATURE_IMPLEMENTED'; featureId: string }
  | { type: 'TESTS_PASSED'; featureId: string }
  | { type: 'TESTS_FAILED'; featureId: string; reason?: string }
  | { type: 'HEALTH_BROKEN'; reason?: string }
  /** With force: leave FIX_BROKEN without a passing health check (the reason goes to the log). */
  | { type: 'HEALTH_FIXED'; force?: true; reason?: string }
  | { type: 'RUN_TESTS' };

// The schemas and the union above must describe the same payloads.
type Payload<E> = Omit<E, 'type'>;
type SchemaPayload<K extends UserEventType> = z.infer<(typeof userEventSchemas)[K]>;
type Agrees<K extends UserEventType> = SchemaPayload<K> extends Payload<Extract<UserEvent, { type: K }>> ? true : never;
export const schemasAgreeWithEvents: { [K in UserEventType]: Agrees<K> } = {
  FEATURES_DEFINED: true,
  FEATURE_STARTED: true,
  FEATURE_IMPLEMENTED: true,
  TESTS_PASSED: true,
  TESTS_FAILED: true,
  HEALTH_BROKEN: true,
  HEALTH_FIXED: true,
  RUN_TESTS: true,
};

/** Events only baton itself sends: the entry protocol, and the feature list read from disk. */
export type SystemEvent =
  /** keepRecentHealth: the last health check is recent (the caller knows the clock): keep its verdict, run nothing. */
  | { type: 'SESSION_ENTRY'; maxRetries?: number; skipHealthCheck?: boolean; keepRecentHealth?: boolean }
  /** The feature list's tally as the file has it now (counts, and the features the change is about). */
  | { type: 'FEATURES_SYNCED'; tally: FeatureTally | null };

export type SessionEvent = UserEvent | SystemEvent;

export function isUserEventType(type: string): type is UserEventType {
  return Object.hasOwn(userEventSchemas, type);
}
