/**
 * "The way back as it stands now", read from the ledger only: whether a
 * rollback already ran, whether a later upgrade stands in front of this one,
 * whether anything changed at all, and what `keyturn rollback --plan` will
 * look at. The rollback planner itself compares the live schema with the
 * backup over the network; a report must not need the cluster, so it names
 * that command rather than guessing its answer.
 */
import type { Backup, ClusterDetail, ReportStep, RunReport, RunSummary } from '../../shared/contract/index.ts';
import { stepKinds } from '../../shared/domain/step-kinds.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { lastUpgradeRow } from '../ledger/runs-repo.ts';

export interface WayBackInput {
  db: Ledger;
  run: RunSummary;
  steps: readonly ReportStep[];
  cluster: ClusterDetail | null;
  backup: Backup | null;
  rollbacks: readonly RunSummary[];
  /** For a rollback run: the upgrade it undoes. */
  undoes: string | null;
  /** patch, minor, major or same, from the plan. */
  change: string | null;
}

/** Step kinds that change what serves (they declare an inverse): the same list the rollback planner uses. */
const changingKinds = Object.entries(stepKinds).filter(([, d]) => d.inverse !== 'none').map(([k]) => k);


export function wayBackOf(i: WayBackInput): RunReport['wayBack'] {
  const rollbacks = i.rollbacks.map((r) => ({ id: r.id, status: r.status, mode: r.strategy, startedAt: r.startedAt, finishedAt: r.finishedAt }));
  const name = i.cluster?.name ?? 'NAME';
  const planCommand = `keyturn rollback --cluster ${name} --plan`;
  const said = (summary: string, command: string | null) => ({ summary, command, rollbacks, undoes: i.undoes });
  const status = (kind: string) => i.steps.find((s) => s.kind === kind)?.status;
  const clientsTurnedAway = status('lb.maintenance') === 'succeeded' && status('lb.end-maintenance') !== 'succeeded'
    ? 'The load balancer is still in maintenance: every client gets 503 with Retry-After. ' : '';

  if (i.run.kind === 'rollback') {
    if (i.run.status === 'succeeded') return said(`This rollback put Keycloak ${i.run.toVersion ?? '(previous version)'} back${i.undoes ? `, undoing run ${i.undoes}` : ''}. To move forward again, plan a new upgrade.`, null);
    return said(`${clientsTurnedAway}This rollback did not finish (${i.run.status}). Look at its failed step, fix the cause, then plan the rollback again.`, planCommand);
  }
  if (i.run.kind !== 'upgrade') return said(`A ${i.run.kind} run changes no Keycloak deployment: there is nothing to go back from.`, null);

  const undone = i.rollbacks.find((r) => r.status === 'succeeded');
  if (undone) return said(`Rolled back by run ${undone.id}${undone.finishedAt ? ` at ${undone.finishedAt}` : ''}: the cluster went back to Keycloak ${i.run.fromVersion ?? '(previous version)'}.`, null);

  if (!i.steps.some((s) => changingKinds.includes(s.kind) && s.status !== 'pending')) {
    return said(`Nothing changed: no step that changes what serves began${i.run.status === 'running' || i.run.status === 'pending' ? ' yet' : ''}. No way back is needed.`, null);
  }
  const latest = i.cluster ? lastUpgradeRow(i.db, i.cluster.id, changingKinds) : undefined;
  if (latest && latest.id !== i.run.id) {
    return said(`A later upgrade (run ${latest.id}) changed the cluster since this one: a rollback undoes that one first.`, planCommand);
  }
  if (i.run.strategy === 'blue-green') return said(blueGreenWayBack(i), planCommand);
  const backup = i.backup
    ? `backup ${i.backup.id} (taken ${i.backup.createdAt}${i.backup.verifiedAt ? `, verified ${i.backup.verifiedAt}` : ', not verified by a restore'})`
    : 'no backup (the run stopped before its backup step)';
  const expected = i.change === 'minor' || i.change === 'major'
    ? 'A minor or major version migrates the schema on its first start, so expect a restore of the backup: writes since it was taken are lost, and the plan names them before you confirm.'
    : 'If the schema did not move, the previous version goes back without touching the database; if it did, the backup is restored.';
  return said(`${clientsTurnedAway}Rollback undoes this run to Keycloak ${i.run.fromVersion ?? '(previous version)'} with ${backup}. It first compares the live database's Liquibase changelog with the backup. ${expected}`, planCommand);
}

/**
 * A blue/green upgrade never touched the serving colour: the way back is a
 * switch back to it (after the switch) or removing the built colour (before),
 * never a restore.
 */
function blueGreenWayBack(i: WayBackInput): string {
  const from = i.run.fromVersion ?? '(previous version)';
  const switchStep = i.steps.find((s) => s.kind === 'traffic.switch');
  if (!switchStep || switchStep.status === 'pending') {
    return `Traffic never left the serving colour, which still runs Keycloak ${from} unchanged: rollback removes the colour this run built (or keeps it for inspection). No client is affected and nothing is restored.`;
  }
  return `The colour that served before runs Keycloak ${from} unchanged as the hot standby: rollback switches traffic back to it the same way (no restore, no downtime planned). Writes the new colour received since the switch are not on the standby; the rollback plan counts them before you confirm.`;
}
