/**
 * The availability prober's figures: what clients saw while a run changed the
 * cluster. Summary for the verdict ("zero failed requests"), per-second series
 * for the live chart, and `probe.tick` events (source 'probe') that carry the
 * last second as it happens.
 */
import { z } from 'zod';
import { defineCall } from './define.ts';
import { idSchema, timestampSchema } from './common.ts';

/** One probe request as recorded. */
export interface ProbeSample {
  /** When the request started, Unix ms. */
  atMs: number;
  ok: boolean;
  /** HTTP status, null when no response arrived. */
  status: number | null;
  /** Why it failed (null when ok): `maintenance` (503 with Retry-After), `http-503`, `timeout`, `refused`, `reset`, ... */
  reason: string | null;
  latencyMs: number;
  /** The address the public name resolved to, null if resolution failed. */
  address: string | null;
}

export const probeSummarySchema = z.strictObject({
  requests: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Latency percentiles of successful requests (nearest rank), ms; null when none succeeded. */
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  maxMs: z.number().nullable(),
  /** Failed requests by reason: `http-503`, `timeout`, `refused`, `reset`, `dns`, `address-not-allowed`, `other`. */
  failuresByReason: z.record(z.string(), z.number().int()),
  firstAt: timestampSchema.nullable(),
  lastAt: timestampSchema.nullable(),
});
export type ProbeSummary = z.infer<typeof probeSummarySchema>;

/** One second of probing: requests started in [t, t + 1000). */
export const probeBucketSchema = z.strictObject({
  /** Start of the second, Unix ms (align with run events' `at`). */
  t: z.number().int(),
  ok: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  p50: z.number().nullable(),
  p99: z.number().nullable(),
});
export type ProbeBucket = z.infer<typeof probeBucketSchema>;

/** `data` of a `probe.tick` event: the requests that completed since the previous tick. */
export const probeTickSchema = z.strictObject({
  /** When the tick was taken, Unix ms. */
  t: z.number().int(),
  ok: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  p50: z.number().nullable(),
  p99: z.number().nullable(),
  maxMs: z.number().nullable(),
  /** Failures of this second by reason. */
  reasons: z.record(z.string(), z.number().int()),
  inFlight: z.number().int().nonnegative(),
  /** Running totals since the prober started. */
  requests: z.number().int().nonnegative(),
  totalFailed: z.number().int().nonnegative(),
  message: z.string(),
});
export type ProbeTick = z.infer<typeof probeTickSchema>;

export const probeCalls = {
  'runs:probeSummary': defineCall({
    summary: 'What the availability prober saw during a run: requests, failures by reason, latency percentiles.',
    input: z.strictObject({ runId: idSchema }),
    output: probeSummarySchema,
    errors: ['not-found'],
  }),
  'runs:probeSeries': defineCall({
    summary: 'Per-second probe buckets of a run for the live chart; `sinceMs` returns only seconds from then on.',
    input: z.strictObject({ runId: idSchema, sinceMs: z.number().int().nonnegative().optional() }),
    output: z.array(probeBucketSchema),
    errors: ['not-found'],
  }),
} as const;
