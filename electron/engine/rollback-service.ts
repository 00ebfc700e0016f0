/**
 * Rollback is planned, not improvised. It undoes a cluster's last upgrade:
 * first it stops forward progress, then compares Liquibase's changelog in the
 * live database with the pre-upgrade backup, and composes the inverses the
 * undone run's steps declare (shared/domain/rollback-steps.ts). It says what
 * it will do and what it costs (downtime, the writes a restore loses) before
 * anything happens; a restore needs an explicit confirmation.
 */
import { sessionPolicySchema, type ClusterDetail, type LostWrites, type RollbackPlan, type SessionPolicy } from '../../shared/contract/index.ts';
import { colourSpec } from '../../shared/domain/colour-spec.ts';
import { liveColour } from '../ledger/colours-repo.ts';
import { clusterConnection, clusterSchema } from '../services/database-connection.ts';
import { lostWritesSince } from '../services/lost-writes.ts';
import { composeRollback, predictRollbackDowntime } from '../../shared/domain/rollback-steps.ts';
import { plannedDataSafety } from '../../shared/domain/data-safety.ts';
import type { StepFacts } from '../../shared/domain/strategy-steps.ts';
import { isBlueGreenKind, stepKinds } from '../../shared/domain/step-kinds.ts';
import { classifyChange } from '../../shared/domain/versions.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { nowIso } from '../ledger/clock.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { getRun, lastUpgradeRow, markRunInterrupted, stepDurations, stepParams } from '../ledger/runs-repo.ts';
import { switchedAtOf } from './traffic-switch.ts';
import { isOwnerAlive } from '../runs/process-owner.ts';
import { requestControl } from '../runs/run-control.ts';
import { beginRun } from '../runs/run-recorder.ts';
import { clusterHistory } from '../services/plan-service.ts';
import type { EngineDeps } from './engine-context.ts';
import { executeRun } from './executor.ts';
import { installedVersion } from './steps/node-access.ts';
import type { Started } from './upgrade-service.ts';

interface LastUpgrade {
  id: string;
  status: string;
  owner: string | null;
  strategy: string | null;
  from: string;
  to: string;
  /** The options the cluster ran before the upgrade (an options-only change goes back to them). */
  fromOptions: Record<string, string> | null;
}

/** Step kinds that change what serves (a declared inverse): an upgrade that ended before any of them began is not the one to undo. */
const changingKinds = Object.entries(stepKinds).filter(([, d]) => d.inverse !== 'none').map(([k]) => k);

/**
 * The upgrade a rollback undoes: the newest that changed something. A retry
 * refused at preflight (its nodes were not ready, because the run before it
 * failed half-way) must not hide the run that left the cluster that way.
 */
function lastUpgrade(deps: EngineDeps, clusterId: string, clusterName: string): LastUpgrade {
  const row = lastUpgradeRow(deps.db, clusterId, changingKinds);
  if (!row) throw new KeyturnError('not-found', `Cluster '${clusterName}' has no upgrade to roll back.`, 'Rollback undoes the last upgrade Keyturn ran on this cluster.');
  const opts = row.fromState.options;
  return {
    id: row.id, status: row.status, owner: row.owner, strategy: row.strategy,
    from: String(row.fromState.version), to: String(row.toState.version),
    fromOptions: opts && typeof opts === 'object' ? (opts as Record<string, string>) : null,
  };
}

const minutesAgo = (iso: string) => Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60_000));

function factsOf(detail: ClusterDetail, run: LastUpgrade): StepFacts {
  const t = detail.spec.traffic;
  return {
    change: classifyChange(run.to, run.from),
    nodes: detail.spec.nodes.map((n) => n.name),
    loadBalancer: detail.spec.loadBalancer !== undefined,
    traffic: t.kind === 'dns' ? { kind: 'dns', name: t.name, ttl: t.ttl } : { kind: 'haproxy', name: t.name },
    phased: detail.spec.ansible?.phased === true,
    warmup: detail.spec.probe !== undefined,
    options: run.fromOptions ?? detail.spec.keycloak.options,
  };
}

type PlannedRollback = RollbackPlan & { planned: ReturnType<typeof composeRollback>['steps'] };

/** A count of lost writes as said (summary, lines) and as counted (null when the count failed). */
interface Counted { summary: string; lines: string[]; count: LostWrites | null }

/** The counts, each write by name and time, and what cannot be counted: the lines shown before the confirmation. */
export function lostWriteLines(l: LostWrites): string[] {
  return [...l.items.map((i) => i.text), ...l.changes.map((c) => c.text), ...(l.changesNotListed ? [`and ${l.changesNotListed} more change(s) not listed`] : []), ...l.uncounted];
}

export function createRollbackService(deps: EngineDeps) {
  /**
   * What the colour traffic leaves received since the switch, counted in its
   * own database the way a restore's lost writes are (users by name, events,
   * sessions): blue never had them. A failed count says so.
   */
  async function writesSinceSwitch(detail: ClusterDetail, colour: string, at: string): Promise<Counted> {
    try {
      const record = colour === 'blue' || colour === 'green' ? liveColour(deps.db, detail.id, colour) : null;
      if (!record) return { summary: `Keyturn holds no record of ${colour}'s database to count them in.`, lines: [], count: null };
      const spec = colourSpec(detail.spec, record.deployment);
      const l = await lostWritesSince(await clusterConnection(spec), clusterSchema(spec), { id: record.id, createdAt: at });
      return { summary: l.items.map((i) => i.text).join(' '), lines: lostWriteLines(l), count: l };
    } catch (err) {
      return { summary: `Keyturn could not count them: ${(err as Error).message}`, lines: [], count: null };
    }
  }

  /**
   * A blue/green run's way back, said before it is taken: after the switch,
   * traffic returns to the colour that kept serving and the writes green
   * took since the switch stay on green (kept as standby), so it needs a
   * confirmation; before the switch blue never changed and green goes.
   */
  async function switchBackText(detail: ClusterDetail, common: Omit<RollbackPlan, 'downtime' | 'lostWrites' | 'lostWriteLines' | 'dataSafety' | 'needsConfirmation' | 'explanation'>, steps: PlannedRollback['planned'], undone: readonly { kind: string; status: string }[]): Promise<PlannedRollback> {
    const switched = steps.some((s) => s.kind === 'traffic.switch');
    const built = String(steps[0]?.params?.serving ?? 'green');
    const back = String(steps[0]?.params?.colour ?? 'blue');
    if (!switched) {
      const removes = steps.some((s) => s.kind === 'green.destroy');
      const keeps = steps.some((s) => s.kind === 'standby.record');
      return {
        ...common, planned: steps,
        downtime: `None: ${back} kept serving and was never changed.`,
        lostWrites: `None: no client reached ${built}.`,
        lostWriteLines: [],
        dataSafety: null,
        needsConfirmation: false,
        explanation: `The upgrade stopped before traffic moved (${undone.filter((s) => s.status === 'succeeded').length} steps done): ${back} serves as before${removes ? `, and ${built}, built for the upgrade, is removed` : keeps ? `, and ${built}, built for the upgrade, is kept for inspection (keyturn standby decommission removes it)` : ''}.`,
      };
    }
    const at = switchedAtOf(deps.db, common.runId);
    const counted: Counted = at ? await writesSinceSwitch(detail, built, at) : { summary: '', lines: [], count: null };
    return {
      ...common, planned: steps,
      downtime: `None: ${back} kept serving unchanged as the standby; clients return to it within the DNS TTL.`,
      lostWrites: `Writes made on ${built} since the switch${at ? ` at ${at}` : ''} (new users, credentials, consents, sessions) stay in ${built}'s database, which is kept as the standby; ${back} does not have them.${counted.summary ? ` ${counted.summary}` : ''}`,
      lostWriteLines: [`Everything ${built} received since the switch${at ? ` (${at})` : ''} stays on ${built} only.`, ...counted.lines],
      dataSafety: at ? plannedDataSafety({ at, lsn: null }, nowIso(), counted.count, counted.summary, counted.lines) : null,
      needsConfirmation: true,
      explanation: `A blue/green upgrade never changes ${back}: switching back points the traffic at it again, watches it, and records it active, with ${built} kept as standby until it is decommissioned.`,
    };
  }

  /** Asks a running upgrade to stop after its current step and waits until it has. */
  async function stopForwardProgress(run: LastUpgrade): Promise<void> {
    if (run.status !== 'running' && run.status !== 'pending') return;
    if (run.owner && !isOwnerAlive(run.owner)) {
      markRunInterrupted(deps.db, run.id);
      return;
    }
    requestControl(deps.db, run.id, 'abort');
    const deadline = Date.now() + 30 * 60_000;
    while (Date.now() < deadline) {
      const status = getRun(deps.db, run.id).run.status;
      if (status !== 'running' && status !== 'pending') return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new KeyturnError('timeout', `Upgrade ${run.id} did not stop within 30 minutes.`, 'Look at its current step; abort it again, then roll back.');
  }

  /** What a restore of `backupId` loses, counted in the live database; a failed count says so instead of hiding the cost. */
  async function lostWriteText(backupId: string): Promise<Counted> {
    try {
      const l = await deps.backups.lostWritesSince(backupId);
      return { summary: l.items.map((i) => i.text).join(' '), lines: lostWriteLines(l), count: l };
    } catch (err) {
      return { summary: `Keyturn could not count them: ${(err as Error).message}`, lines: [], count: null };
    }
  }

  async function plan(clusterName: string, sessionPolicy?: SessionPolicy, keepGreen = false) {
    const detail = getCluster(deps.db, clusterName);
    const run = lastUpgrade(deps, detail.id, clusterName);
    const backup = deps.backups.list(clusterName).find((b) => b.runId === run.id) ?? null;
    const undone = getRun(deps.db, run.id).steps;
    // Blue/green never touched blue: no node to revert, no schema to compare (green's copy migrated, blue's did not).
    const blueGreen = run.strategy === 'blue-green' || undone.some((s) => isBlueGreenKind(s.kind));
    const nodes: string[] = [];
    for (const n of blueGreen ? [] : detail.spec.nodes) {
      const v = await installedVersion(detail, n).catch(() => null);
      if (v !== run.from) nodes.push(n.name);
    }
    let schemaChanged = false;
    if (!blueGreen && backup) {
      schemaChanged = (await deps.backups.compareWithLive(backup.id)).relation !== 'same';
    } else if (!blueGreen && nodes.length) {
      throw new KeyturnError('not-found', `Upgrade ${run.id} has no backup, so Keyturn cannot tell whether the schema changed.`, 'The upgrade failed before its backup step; nothing should have changed. Check the nodes, then start a new run.');
    }
    const provision = undone.find((s) => s.kind === 'green.provision');
    const built = provision ? stepParams(deps.db, run.id, provision.seq) : {};
    const composed = composeRollback({
      undone,
      strategy: run.strategy,
      ...(blueGreen ? { blueGreen: { watchSeconds: detail.spec.blueGreen?.watchSeconds, graceSeconds: detail.spec.blueGreen?.graceSeconds, ...(built.colour === 'blue' || built.colour === 'green' ? { colour: built.colour } : {}), ...(built.provision === 'described' ? { provision: 'described' as const } : {}), ...(keepGreen ? { keepGreen: true } : {}) } } : {}),
      schemaChanged,
      nodesToRevert: nodes,
      facts: factsOf(detail, run),
      backup: backup ? { id: backup.id, takenAt: backup.createdAt } : null,
      // the run's choice, else the cluster's own policy, else the restore's default (drop-online)
      ...(sessionPolicy ?? detail.spec.sessionPolicy ? { sessionPolicy: sessionPolicy ?? detail.spec.sessionPolicy } : {}),
    });
    // Predicted like a recreate's outage: this cluster's recorded stops, restores and starts, or stated defaults.
    const predicted = predictRollbackDowntime(composed.mode, { history: clusterHistory(deps.db, detail.id), restoreMs: stepDurations(deps.db, detail.id, 'db.restore'), backupBytes: backup?.size ?? null });
    const restorePolicy = sessionPolicySchema.safeParse(composed.steps.find((s) => s.kind === 'db.restore')?.params?.sessionPolicy);
    const stop = run.status === 'running' || run.status === 'pending' ? 'Stop the running upgrade after its current step. ' : '';
    const titles = composed.steps.map((s) => s.title);
    if (stop) titles.unshift(stop.trim());
    const n = detail.spec.nodes.length;
    const lost = composed.mode === 'restore' && backup ? await lostWriteText(backup.id) : null;
    const common = {
      cluster: clusterName, runId: run.id, mode: composed.mode, fromVersion: run.to, toVersion: run.from, schemaChanged, steps: titles, backup: backup ? { id: backup.id, createdAt: backup.createdAt, size: backup.size, walLsn: backup.database?.walLsn ?? null } : null,
      predictedDowntimeSeconds: predicted.seconds, predictedDowntimeBasis: predicted.basis,
      sessionPolicy: restorePolicy.success ? restorePolicy.data : null,
    };
    const result: PlannedRollback = composed.mode === 'restore'
      ? {
        ...common,
        downtime: `All ${n} nodes stop until the restore and the first start finish (clients get 503 with Retry-After meanwhile).`,
        lostWrites: `Every write since the backup (${minutesAgo(backup!.createdAt)} min ago). ${lost?.summary ?? ''}`.trim(),
        lostWriteLines: lost?.lines ?? [],
        dataSafety: backup ? plannedDataSafety({ at: backup.createdAt, lsn: backup.database?.walLsn ?? null }, nowIso(), lost?.count ?? null, lost?.summary ?? '', lost?.lines ?? []) : null,
        needsConfirmation: true,
        explanation: `Keycloak ${run.to} migrated the database schema (Liquibase changelog moved on since the backup); ${run.from} cannot run on it. Migrations are forward-only: the way back is the backup, restored beside the migrated database, which is kept under a dated name.`,
        planned: composed.steps,
      }
      : composed.mode === 'switch-back'
        ? await switchBackText(detail, common, composed.steps, undone)
        : composed.mode === 'recreate-back'
        ? {
          ...common,
          downtime: `All ${n} nodes stop until Keycloak ${run.from} is started again (clients get 503 with Retry-After meanwhile).`,
          lostWrites: 'None: the database is not touched (its schema is the one the backup recorded).',
          lostWriteLines: [],
          dataSafety: null,
          needsConfirmation: true,
          explanation: `The upgrade stopped every node (recreate) and the schema did not move, so Keycloak ${run.from} starts again on the same database the same way.`,
          planned: composed.steps,
        }
        : {
          ...common,
          downtime: 'None: one node at a time, drained in the load balancer first.',
          lostWrites: 'None: the database is not touched.',
          lostWriteLines: [],
          dataSafety: null,
          needsConfirmation: false,
          explanation: `The database schema is the one the backup recorded (Liquibase changelog unchanged), so Keycloak ${run.from} can run on it again.`,
          planned: composed.steps,
        };
    return result;
  }

  return {
    /** `keepGreen`: a blue/green run stopped before its switch keeps the colour it built for inspection instead of destroying it. */
    async plan(clusterName: string, sessionPolicy?: SessionPolicy, keepGreen = false): Promise<RollbackPlan> {
      const { planned: _p, ...p } = await plan(clusterName, sessionPolicy, keepGreen);
      return p;
    },

    /** `sessionPolicy` (restore only): what happens to the restored sessions; drop-online when not given. */
    async start(clusterName: string, confirm: boolean, sessionPolicy?: SessionPolicy, keepGreen = false): Promise<Started> {
      const detail = getCluster(deps.db, clusterName);
      await stopForwardProgress(lastUpgrade(deps, detail.id, clusterName));
      const p = await plan(clusterName, sessionPolicy, keepGreen);
      if (p.needsConfirmation && !confirm) {
        throw new KeyturnError('invalid-input', `This rollback ${p.mode === 'restore' ? 'restores the database' : 'stops every node'}: ${p.downtime}${p.predictedDowntimeSeconds === null ? '' : ` Predicted: about ${p.predictedDowntimeSeconds} s (${p.predictedDowntimeBasis}).`} ${p.lostWrites}`, 'Confirm it explicitly (console: type the cluster name; CLI: --confirm).');
      }
      const steps = p.planned.map((s) => ({ kind: s.kind, title: s.title, node: s.node, params: s.params ?? {} }));
      const rec = beginRun(deps, detail.id, { clusterId: detail.id, kind: 'rollback', strategy: p.mode, fromState: { version: p.fromVersion }, toState: { version: p.toVersion, undoes: p.runId, ...(steps[0]?.params.options ? { options: steps[0].params.options } : {}), ...(p.predictedDowntimeSeconds !== null ? { predictedDowntimeSeconds: p.predictedDowntimeSeconds } : {}) } }, steps);
      rec.event('engine', 'rollback.planned', p.mode === 'rolling-back' ? 'info' : 'warn', {
        message: `${p.explanation}${p.predictedDowntimeSeconds === null ? '' : ` Predicted downtime: about ${p.predictedDowntimeSeconds} s (${p.predictedDowntimeBasis}).`}`,
        mode: p.mode, downtime: p.downtime, lostWrites: p.lostWrites, lostWriteLines: p.lostWriteLines,
        predictedDowntimeSeconds: p.predictedDowntimeSeconds, predictedDowntimeBasis: p.predictedDowntimeBasis, sessionPolicy: p.sessionPolicy,
        // a restore brings the data back as it was at the backup: that time opens its data window
        ...(p.mode === 'restore' && p.backup ? { backupId: p.backup.id, backupTakenAt: p.backup.createdAt, backupWalLsn: p.backup.walLsn ?? null } : {}),
      });
      const ac = new AbortController();
      return { runId: rec.runId, done: executeRun(deps, rec, detail.name, ac.signal, p.predictedDowntimeSeconds !== null ? { predictedDowntimeSeconds: p.predictedDowntimeSeconds } : {}) };
    },
  };
}

export type RollbackService = ReturnType<typeof createRollbackService>;
