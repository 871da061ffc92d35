import { z } from 'zod';
import type { FeatureProgress } from './features.js';

/** Events a user or agent may send (`baton send`). Payloads are validated before they reach the machine. */
const featureId = z.string().min(1, 'featureId must not be empty');

export const userEventSchemas = {
  FEATURES_DEFINED: z.object({}).strict(),
  FEATURE_STARTED: z.object({ featureId }).strict(),
  FEATURE_IMPLEMENTED: z.object({ featureId }).strict(),
  TESTS_PASSED: z.object({ featureId }).strict(),
  TESTS_FAILED: z.object({ featureId, reason: z.string().optional() }).strict(),
  HEALTH_BROKEN: z.object({ reason: z.string().optional() }).strict(),
  HEALTH_FIXED: z.object({}).strict(),
} as const;

export type UserEventType = keyof typeof userEventSchemas;
export const USER_EVENT_TYPES = Object.keys(userEventSchemas) as UserEventType[];

export type UserEvent = {
  [K in UserEventType]: { type: K } & z.infer<(typeof userEventSchemas)[K]>;
}[UserEventType];

/** Events only baton itself sends: the entry protocol, and the feature list read from disk. */
export type SystemEvent =
  | { type: 'SESSION_ENTRY'; maxRetries?: number }
  | { type: 'FEATURES_SYNCED'; features: FeatureProgress[] | null };

export type SessionEvent = UserEvent | SystemEvent;

export function isUserEventType(type: string): type is UserEventType {
  return Object.hasOwn(userEventSchemas, type);
}
