/**
 * The one model of a run that the CLI, the console and the benchmark read
 * (issue 14): built from the ledger alone, so a report of a run long past is
 * the same as the one written the minute it ended, and nothing needs the
 * cluster to be reachable. Every string is passed through the redactor last,
 * on top of the redaction each ledger write already did: a report is handed
 * to people outside the team, and a secret the writer did not know must not
 * travel with it.
 */
import { runReportSchema, runReportSchemaVersion, type Plan, type ReportStep, type RunEvent, type RunReport } from '../../shared/contract/index.ts';
import { listBackups } from '../ledger/backups-repo.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { getPlan } from '../ledger/plans-repo.ts';
import { listProbeSamples } from '../ledger/probe-samples-repo.ts';
import { getRun, listEvents, listRuns, runOrigin, runStates } from '../ledger/runs-repo.ts';
import { createRedactor, redactDeep } from '../tools/redact.ts';
import { availabilityOf } from './report-availability.ts';
import { blueGreenOf } from './report-blue-green.ts';
import { wayBackOf } from './report-way-back.ts';

export interface BuildReportOptions {
  /** Secret values to mask besides the redactor's patterns (the cluster's resolved secret options, when the caller has them). */
  secrets?: readonly string[];
  /** The report's clock (tests). */
  now?: Date;
}

const ended = new Set(['succeeded', 'failed', 'aborted']);
const featureKeys = new Set(['features', 'features-disabled']);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const span = (a: string | null, b: string | null): number | null => (a && b ? Math.max(0, Date.parse(b) - Date.parse(a)) : null);

/** Every event of a run, page by page (a long run holds one probe tick per second). */
export function allEvents(db: Ledger, runId: string): RunEvent[] {
  const out: RunEvent[] = [];
  for (;;) {
    const page = listEvents(db, runId, out.length ? out[out.length - 1]!.seq : -1, 5000);
    out.push(...page);
    if (page.length < 5000) return out;
  }
}

/** Option edits of the run: the plan's diff when it has one, else from- and to-state compared. */
function optionDiff(plan: Plan | undefined, from: Record<string, unknown>, to: Record<string, unknown>): { key: string; from: string | null; to: string | null }[] {
  if (plan) return plan.options.changed;
  const a = (from.options ?? null) as Record<string, string> | null;
  const b = (to.options ?? null) as Record<string, string> | null;
  if (!a || !b) return [];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().filter((k) => a[k] !== b[k]).map((k) => ({ key: k, from: a[k] ?? null, to: b[k] ?? null }));
}

/** The plan's steps matched to the recorded ones by position, kind, title and node. */
function reportSteps(recorded: ReturnType<typeof getRun>['steps'], planned: Plan['strategies'][number]['steps'] | null): ReportStep[] {
  return recorded.map((s, i) => {
    const p = planned?.[i];
    return {
      seq: s.seq, kind: s.kind, title: s.title, node: s.node,
      // Without an approved plan (a rollback, a lab run) the steps written before execution are the plan.
      planned: planned ? p !== undefined && p.kind === s.kind && p.title === s.title && (p.node ?? null) === s.node : true,
      status: s.status, startedAt: s.startedAt, finishedAt: s.finishedAt, durationMs: span(s.startedAt, s.finishedAt), error: s.error,
    };
  });
}

/** Builds the report of run `runId` (a `not-found` error when there is none), validated against its schema. */
export function buildRunReport(db: Ledger, runId: string, opts: BuildReportOptions = {}): RunReport {
  const { run, steps: recorded } = getRun(db, runId);
  const states = runStates(db, runId);
  const who = runOrigin(db, runId);
  const events = allEvents(db, runId);
  const cluster = run.clusterName ? getCluster(db, run.clusterName) : null;
  const planRunId = str(states.toState.planRunId);
  const plan = planRunId ? getPlan(db, planRunId) : undefined;
  const chosen = plan?.strategies.find((s) => s.name === run.strategy) ?? null;
  const steps = reportSteps(recorded, chosen?.steps ?? null);
  const eventData = (kind: string, list: readonly RunEvent[] = events) => list.filter((e) => e.kind === kind).map((e) => e.data);

  // Rollbacks that undo this run, with their own events (what they lost is part of this change's story).
  const rollbacks = cluster && run.kind === 'upgrade'
    ? listRuns(db, { clusterId: cluster.id, limit: 500 }).filter((r) => r.kind === 'rollback' && runStates(db, r.id).toState.undoes === runId).reverse()
    : [];
  const rollbackRuns = rollbacks.map((r) => ({ run: r, events: allEvents(db, r.id) }));
  const rollbackEvents = rollbackRuns.flatMap((r) => r.events);
  const undoes = run.kind === 'rollback' ? str(states.toState.undoes) : null;

  const backupOwner = undoes ?? runId;
  const backup = cluster ? (listBackups(db, cluster.id).find((b) => b.runId === backupOwner) ?? null) : null;
  const changes = optionDiff(plan, states.fromState, states.toState);
  const rollbackPlanned = [...eventData('rollback.planned'), ...eventData('rollback.planned', rollbackEvents)];
  // A rollback has no plan record: its own rollback.planned event says why and at what cost.
  const ownRollbackPlan = run.kind === 'rollback' ? eventData('rollback.planned').at(-1) : undefined;
  const restored = [...eventData('backup.restored'), ...eventData('backup.restored', rollbackEvents)].at(-1);
  const sessions = (restored?.sessions ?? null) as { policy?: unknown; onlineUserSessions?: unknown; offlineUserSessions?: unknown } | null;

  const predicted = num(states.toState.predictedDowntimeSeconds);
  const availability = availabilityOf({ samples: listProbeSamples(db, runId), steps, disabledNote: str(eventData('probe.disabled').at(-1)?.message), predictedDowntimeSeconds: predicted });
  const restoreStep = steps.find((s) => s.kind === 'db.restore' && s.startedAt);
  const committedAt = restoreStep?.startedAt ?? availability.switchAt;
  const reachedVersion = str(eventData('cluster.version').at(-1)?.version);
  const inProgress = !ended.has(run.status);

  const report: RunReport = {
    schemaVersion: runReportSchemaVersion,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    inProgress,
    run: { id: run.id, kind: run.kind, status: run.status, createdAt: run.createdAt, startedAt: run.startedAt, finishedAt: run.finishedAt, durationMs: span(run.startedAt, run.finishedAt), error: run.error },
    change: { cluster: run.clusterName, environment: cluster?.spec.environment ?? null, origin: who.origin, startedBy: who.startedBy, executedBy: who.owner },
    versions: {
      from: run.fromVersion, to: run.toVersion, change: plan?.change.label ?? null,
      options: changes.filter((c) => !featureKeys.has(c.key)),
      features: changes.filter((c) => featureKeys.has(c.key)),
    },
    decision: plan ? {
      planRunId: plan.runId, exitCode: plan.check.exitCode, verdict: plan.check.verdict, kcshOutput: plan.check.output, command: plan.check.command,
      reasons: plan.reasons, recommended: plan.recommended, recommendation: plan.recommendation, computedAt: plan.createdAt,
    } : null,
    strategy: {
      name: run.strategy,
      why: chosen?.why ?? str(ownRollbackPlan?.message),
      downtime: chosen?.downtime.text ?? str(ownRollbackPlan?.downtime),
      canary: typeof states.toState.canary === 'boolean' ? states.toState.canary : null,
    },
    backup: backup ? {
      id: backup.id, createdAt: backup.createdAt, size: backup.size, sha256: backup.sha256, keycloakVersion: backup.keycloakVersion, walLsn: backup.database?.walLsn ?? null, verifiedAt: backup.verifiedAt,
      lastVerification: backup.lastVerification ? { ok: backup.lastVerification.ok, at: backup.lastVerification.at, error: backup.lastVerification.error } : null,
    } : null,
    steps,
    nodes: nodeTimelines(events, cluster?.spec.nodes.map((n) => n.name) ?? []),
    availability,
    dataSafety: {
      clonePoint: backup?.createdAt ?? null,
      windowSeconds: backup && committedAt ? Math.round(Math.max(0, Date.parse(committedAt) - Date.parse(backup.createdAt)) / 100) / 10 : null,
      lostWrites: rollbackPlanned.flatMap((d) => (Array.isArray(d.lostWriteLines) ? d.lostWriteLines.filter((l): l is string => typeof l === 'string') : [])),
      sessions: sessions && typeof sessions.policy === 'string' ? { policy: sessions.policy, onlineUserSessions: num(sessions.onlineUserSessions), offlineUserSessions: num(sessions.offlineUserSessions) } : null,
    },
    wayBack: wayBackOf({ db, run, steps, cluster, backup, rollbacks, undoes, change: plan?.change.kind ?? null }),
    finalState: {
      status: run.status,
      reachedVersion,
      clusterVersionNow: cluster?.spec.keycloak.version ?? null,
      summary: finalSummary(run.status, run.kind, reachedVersion, run.toVersion, run.error?.message ?? null),
    },
    blueGreen: blueGreenOf({ db, run, steps, events, cluster, backup, rollbacks: rollbackRuns }),
  };
  return runReportSchema.parse(redactDeep(report, createRedactor(opts.secrets ?? [])));
}

function nodeTimelines(events: readonly RunEvent[], order: readonly string[]): RunReport['nodes'] {
  const byNode = new Map<string, RunReport['nodes'][number]['timeline']>(order.map((n) => [n, []]));
  for (const e of events) {
    if (e.kind !== 'node.state') continue;
    const node = str(e.data.node) ?? e.node;
    const state = str(e.data.state);
    if (!node || !state) continue;
    const list = byNode.get(node) ?? [];
    list.push({ at: e.at, state, message: str(e.data.message) ?? `${node}: ${state}` });
    byNode.set(node, list);
  }
  return [...byNode.entries()].map(([node, timeline]) => ({ node, timeline, finalState: timeline.at(-1)?.state ?? null }));
}

function finalSummary(status: string, kind: string, reached: string | null, target: string | null, error: string | null): string {
  switch (status) {
    case 'succeeded':
      return reached ? `Succeeded: the cluster runs Keycloak ${reached}.` : `The ${kind} run succeeded.`;
    case 'failed':
      return `Failed${error ? `: ${error}` : ''}. The cluster is as the completed steps left it.`;
    case 'aborted':
      return 'Aborted by the operator: the cluster is as the completed steps left it.';
    case 'paused':
      return `Paused${target ? ` on the way to ${target}` : ''}: a resume continues from the first step not completed.`;
    case 'interrupted':
      return 'Interrupted: the process running it ended; resume it or roll it back.';
    default:
      return `Still ${status}${target ? ` (target ${target})` : ''}.`;
  }
}
