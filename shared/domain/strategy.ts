/**
 * From Keycloak's verdict and the cluster's facts to the strategies an
 * operator can choose from: rolling, blue/green and recreate, each with its
 * downtime, steps, backup and way back, and one recommendation with its why.
 *
 * The rules, in the order they decide:
 * - a failed check (exit 1, 2, other) makes nothing available: Keyturn does
 *   not guess a strategy from an error;
 * - rolling needs kc.sh's exit 0 and at least two nodes (one serves while the
 *   other restarts);
 * - blue/green needs a traffic switch (DNS or HAProxy) and Terraform to build
 *   green; it works for any change because blue is never touched;
 * - recreate is always possible, and its downtime is stated up front.
 * Pure; downtime figures are estimates and say so.
 */
import type { PlanReason, Strategy, StrategyName, Verdict } from '../contract/plan.ts';
import { describeExitCode } from './compatibility.ts';
import { classifyChange } from './versions.ts';
import { blueGreenSteps, recreateSteps, rollingSteps, switchBackSteps, type StepFacts } from './strategy-steps.ts';

/** Seconds a graceful stop takes (cache rebalance); Keycloak's shutdown-timeout bounds it. */
export const stopSeconds = 15;
/** Seconds from start to /health/ready for one node on a small host (the lab: 2 slow cores). */
export const startSeconds = 60;
/** Extra seconds when the first node of a minor/major version migrates the schema. */
export const migrationSeconds = 60;

export interface ClusterFacts extends Omit<StepFacts, 'change'> {
  /** Terraform configuration to build a green copy. */
  terraform: boolean;
  /** A standby described in the cluster file (blueGreen.standby): green is taken into use there instead of built by Terraform. */
  standby?: { nodes: number };
  /** An Ansible inventory and install playbook are registered (every executable strategy needs them). */
  ansible?: boolean;
  /** A stop playbook is registered (recreate and restore stop every node with it). */
  stopPlaybook?: boolean;
  /** Blue/green: the colour serving now, and the other colours on record (a standby must be decommissioned before green is built again). */
  colours?: { active: 'blue' | 'green'; others: { colour: 'blue' | 'green'; role: string }[] };
  /** What blue/green's smoke tests need and the cluster file lacks (probe client, smoke user, admin), as cluster-file paths. */
  smokeMissing?: string[];
  /** traffic.kind haproxy: what the front HAProxy switch lacks for blue/green (traffic.map, traffic.backends); empty when it has both, absent when not known (taken as both missing). */
  frontMissing?: string[];
  /** Blue/green's watch window and grace from the cluster file (else the defaults). */
  blueGreen?: { watchSeconds?: number; graceSeconds?: number };
  /** Blue/green's promotion, when the operator chose it (else from the environment). */
  promote?: 'manual' | 'auto';
  /** The serving load balancer declares a write freeze (loadBalancer.freeze). */
  canFreeze?: boolean;
  /** Blue/green's write freeze, when the operator chose it (else on for production when the load balancer can freeze). */
  freeze?: 'on' | 'off';
  /** What blue/green's copy keeps of the sessions it carries, when the operator chose it (else keep-all). */
  sessions?: 'keep-all' | 'drop-online' | 'drop-all';
  /** What this cluster's earlier runs measured (median seconds), for the recreate prediction; null without history. */
  history?: {
    stopSeconds: number | null;
    startSeconds: number | null;
    samples: number;
    /**
     * The whole outage the prober measured in this cluster's earlier recreate
     * runs (median), apart for runs whose first node migrated the schema (a
     * minor or major change) and runs that did not: a measured whole beats a
     * sum of parts with a default migration time in it.
     */
    recreateOutages?: { migrating: MeasuredOutages | null; plain: MeasuredOutages | null };
  };
}

/** The median of the outages measured by the prober, and how many runs it comes from. */
export interface MeasuredOutages { seconds: number; samples: number }

export interface StrategyInput {
  change: StepFacts['change'];
  exitCode: number;
  verdict: Verdict;
  reasons: readonly PlanReason[];
  cluster: ClusterFacts;
}

export interface StrategyPlan {
  strategies: Strategy[];
  recommended: StrategyName | null;
  recommendation: string;
}

const secondsText = (s: number) => (s >= 90 ? `about ${Math.round(s / 60)} min` : `about ${s} s`);

/** The measured outages of earlier recreates that match this change (schema migration or not), if any. */
function measuredOutages(f: StepFacts, history?: ClusterFacts['history']): MeasuredOutages | null {
  const o = history?.recreateOutages;
  if (!o) return null;
  return (f.change.kind === 'minor' || f.change.kind === 'major' ? o.migrating : o.plain) ?? null;
}

function recreateOutage(f: StepFacts, history?: ClusterFacts['history']): number {
  const measured = measuredOutages(f, history);
  if (measured) return Math.max(1, Math.round(measured.seconds));
  const stop = history?.stopSeconds ?? stopSeconds;
  const start = history?.startSeconds ?? startSeconds;
  return Math.round(stop + start + (f.change.kind === 'minor' || f.change.kind === 'major' ? migrationSeconds : 0));
}

/** Where the recreate prediction comes from, in one clause. */
function predictionSource(f: StepFacts, history?: ClusterFacts['history']): string {
  const measured = measuredOutages(f, history);
  if (measured) {
    const what = f.change.kind === 'minor' || f.change.kind === 'major' ? 'with a schema migration' : 'without a schema migration';
    return `predicted from the outages the prober measured in this cluster's ${measured.samples === 1 ? 'last recreate' : `${measured.samples} last recreates`} ${what}${measured.samples === 1 ? '' : ' (median)'}`;
  }
  const migration = f.change.kind === 'minor' || f.change.kind === 'major' ? ` + ${migrationSeconds} s schema migration (default)` : '';
  if (history && history.stopSeconds !== null && history.startSeconds !== null) {
    return `predicted from this cluster's ${history.samples} recorded node restarts: ${history.stopSeconds} s stop + ${history.startSeconds} s start to ready${migration}`;
  }
  return `no history for this cluster yet, default estimate: ${stopSeconds} s stop + ${startSeconds} s start to ready${migration}`;
}

/** The subjects that force a recreate, for one readable line: "keycloak.version, cache-stack". */
function forcing(reasons: readonly PlanReason[]): string {
  const subjects = [...new Set(reasons.filter((r) => r.forcesRecreate && r.kind !== 'kcsh').map((r) => r.subject))];
  const fromKcsh = [...new Set(reasons.filter((r) => r.forcesRecreate && r.kind === 'kcsh').map((r) => r.subject))];
  return (subjects.length ? subjects : fromKcsh).join(', ') || 'see kc.sh output';
}

function rolling(input: StrategyInput, f: StepFacts): Omit<Strategy, 'recommended' | 'executable' | 'executableWhy'> {
  const { verdict, exitCode, change } = input;
  const enoughNodes = f.nodes.length >= 2;
  const available = verdict === 'rolling' && enoughNodes;
  const why = verdict === 'error'
    ? `The compatibility check failed (exit ${exitCode}: ${describeExitCode(exitCode)}).`
    : verdict === 'recreate'
      ? `Keycloak's check says no (exit 3) because of: ${forcing(input.reasons)}.`
      : verdict === 'rolling-disabled'
        ? "Keycloak's check says no (exit 4): the rolling-updates feature is disabled."
        : !enoughNodes
          ? 'Keycloak allows it (exit 0), but a rolling update needs at least two nodes: one serves while the other restarts.'
          : `Keycloak's check allows it (exit 0): nodes restart one at a time while the others serve.${f.loadBalancer ? '' : ' Without a load balancer to drain nodes, requests reaching a restarting node fail until clients retry.'}`;
  const back = change.kind === 'same';
  const outage = recreateOutage({ ...f, change }, input.cluster.history);
  return {
    name: 'rolling', available, why,
    downtime: f.loadBalancer ? { seconds: 0, text: 'None: one node at a time leaves the load balancer, restarts and rejoins while the others serve.' }
      : { seconds: 0, text: `None for clients that retry; each restarting node refuses requests for ${secondsText(startSeconds)}.` },
    steps: rollingSteps(f),
    backup: { required: true, kind: 'database-dump', what: 'A pg_dump of the database before the first node changes.', why: back ? 'An option change does not touch the schema, but a node that fails to start must never cost data.' : `Keycloak ${change.to} may migrate the schema when its first node starts; going back past that point needs this dump.` },
    rollback: back
      ? { summary: 'Roll the options back node by node: the reverse change is rolling too.', steps: ['Apply the previous options to each upgraded node, one at a time, as the rollout did'], downtime: { seconds: 0, text: 'None.' }, dataLoss: 'None.' }
      : {
        summary: `Going back to ${change.from} is a downgrade, which is never rolling: stop every node, reinstall ${change.from}, restore the dump only if the schema changed, start.`,
        steps: ['Stop every node', `Reinstall Keycloak ${change.from} with the previous options`, 'Compare DATABASECHANGELOG with the backup; restore the dump if they differ', 'Start the nodes and verify'],
        downtime: { seconds: outage, text: `Full outage, ${secondsText(outage)} (estimate), longer if the dump must be restored.` },
        dataLoss: 'None if the schema did not change; otherwise writes made since the backup.',
      },
  };
}

/** Whether blue/green freezes writes: the operator's choice, else on for production when the load balancer can. */
export const freezesWrites = (c: Pick<ClusterFacts, 'freeze' | 'canFreeze' | 'environment'>): boolean =>
  c.freeze === 'on' || (c.freeze === undefined && c.canFreeze === true && (c.environment === undefined || c.environment === 'production'));

/** The colour to build is the one not serving; the operator's promotion and freeze choices, when given. */
const blueGreenOptions = (c: ClusterFacts) => ({
  colour: c.colours?.active === 'green' ? 'blue' as const : 'green' as const,
  ...(c.promote ? { promote: c.promote } : {}),
  ...(c.blueGreen?.watchSeconds !== undefined ? { watchSeconds: c.blueGreen.watchSeconds } : {}),
  ...(c.blueGreen?.graceSeconds !== undefined ? { graceSeconds: c.blueGreen.graceSeconds } : {}),
  freeze: freezesWrites(c),
  ...(c.sessions ? { sessions: c.sessions } : {}),
  // A described standby is what the operator asked for by writing it down: it wins over building one with Terraform.
  provision: c.standby ? 'described' as const : 'terraform' as const,
  ...(c.standby ? { standbyNodes: c.standby.nodes } : {}),
});

/** Who signs in again after the switch, whatever the freeze: sessions are written on every sign-in. */
const sessionsText = (c: ClusterFacts): string => {
  const window = 'Users who sign in on blue between the clone point and the switch are not signed in on green: they sign in again (counted at the gate).';
  if (c.sessions === 'drop-all') return `${window} Green's copy keeps no session (drop-all): every user signs in again after the switch.`;
  if (c.sessions === 'drop-online') return `${window} Green's copy drops the online sessions (drop-online): users signed in before the clone point sign in again; offline tokens keep working.`;
  return window;
};

/** What happens to writes on the serving side between the clone point and the switch, and who signs in again. */
function writesText(c: ClusterFacts): string {
  if (freezesWrites(c)) return `Writes that would not reach green (admin changes, the account console, registration, password reset, required actions) are refused with 503 from the clone point to the switch; sign-in and tokens keep working. ${sessionsText(c)}`;
  const counted = 'are counted and named at the promotion gate, not prevented';
  return `${c.canFreeze ? `Write freeze off: changes written to blue after the clone point ${counted}.` : `This cluster's load balancer cannot freeze writes (no loadBalancer.freeze): changes written to blue after the clone point ${counted}.`} ${sessionsText(c)}`;
}

function blueGreen(input: StrategyInput, f: StepFacts): Omit<Strategy, 'recommended' | 'executable' | 'executableWhy'> {
  const { verdict, exitCode } = input;
  const buildable = input.cluster.terraform || input.cluster.standby !== undefined;
  const available = verdict !== 'error' && buildable;
  const ttl = f.traffic.kind === 'dns' ? f.traffic.ttl : 0;
  const why = verdict === 'error'
    ? `The compatibility check failed (exit ${exitCode}: ${describeExitCode(exitCode)}); fix that before choosing any strategy.`
    : !buildable
      ? 'Needs a Terraform configuration for the cluster to build the green copy, or a standby described in the cluster file (blueGreen.standby); neither is registered.'
      : `Works for any change: green is ${input.cluster.standby ? `taken into use on the standby described in the cluster file (${input.cluster.standby.nodes} hosts)` : 'built'} beside blue with ${f.change.kind === 'same' ? 'the target options' : `Keycloak ${input.change.to} and the target options`}, and ${f.traffic.name} switches over once green is verified.`;
  const switchText = f.traffic.kind === 'dns' ? `within the DNS TTL (${ttl} s)` : 'at once (HAProxy backend switch)';
  return {
    name: 'blue-green', available, why,
    downtime: { seconds: ttl, text: `No outage: clients move to green ${switchText}. ${writesText(input.cluster)}` },
    steps: blueGreenSteps(f, blueGreenOptions(input.cluster)),
    backup: { required: true, kind: 'database-clone', what: "A fresh pg_dump of blue, proven by a restore into a scratch database, then restored into green's database (its time is the clone point).", why: "Green starts from a copy; blue's database is never touched, so blue itself is the way back." },
    rollback: {
      summary: `Switch ${f.traffic.name} back to blue: blue was never changed.`,
      // The same composition keyturn rollback uses after the switch (rollback-steps.ts).
      steps: switchBackSteps({ ...f, change: classifyChange(f.change.to, f.change.from) }, { switched: true, greenExists: true }).map((s) => s.title),
      downtime: { seconds: ttl, text: `None: clients return to blue ${switchText}.` },
      dataLoss: "Writes made on green after the switch (green's database is separate from blue's).",
    },
  };
}

function recreate(input: StrategyInput, f: StepFacts): Omit<Strategy, 'recommended' | 'executable' | 'executableWhy'> {
  const { verdict, exitCode, change } = input;
  const history = input.cluster.history;
  const outage = recreateOutage(f, history);
  const why = verdict === 'error'
    ? `The compatibility check failed (exit ${exitCode}: ${describeExitCode(exitCode)}); the same options would fail to start the nodes.`
    : `Always possible, with a full outage: every node stops before Keycloak ${change.to} starts${change.kind === 'minor' || change.kind === 'major' ? ' and migrates the schema' : ''}.`;
  return {
    name: 'recreate', available: verdict !== 'error', why,
    downtime: { seconds: outage, text: `Full outage, ${secondsText(outage)} (${predictionSource(f, history)}); clients get 503 with Retry-After meanwhile. Sessions survive only with persistent-user-sessions (on by default since 26.0).` },
    steps: recreateSteps(f),
    backup: { required: true, kind: 'database-dump', what: 'A pg_dump of the database while the cluster still serves, proven by a restore into a scratch database before anything stops.', why: 'Migrations are forward-only: going back means this dump plus the old installation.' },
    rollback: {
      summary: `Stop every node, reinstall Keycloak ${change.from}, restore the dump if the schema changed, start.`,
      steps: ['Stop every node', `Reinstall Keycloak ${change.from} with the previous options`, 'Compare DATABASECHANGELOG with the backup; restore the dump if they differ', 'Start the nodes and verify'],
      downtime: { seconds: outage, text: `Full outage again, ${secondsText(outage)} (estimate), longer if the dump must be restored.` },
      dataLoss: 'Writes made after the upgrade, if the dump must be restored.',
    },
  };
}

/** Every strategy with its availability, and the recommended one with its reason. */
export function planStrategies(input: StrategyInput): StrategyPlan {
  const { cluster, change, verdict, exitCode } = input;
  const f: StepFacts = { change, nodes: cluster.nodes, loadBalancer: cluster.loadBalancer, traffic: cluster.traffic, phased: cluster.phased ?? false, warmup: cluster.warmup ?? false, ...(cluster.options ? { options: cluster.options } : {}), ...(cluster.environment ? { environment: cluster.environment } : {}) };
  const all = [rolling(input, f), blueGreen(input, f), recreate(input, f)].map((s) => ({ ...s, ...executability(s.name, s.available, input) }));
  let recommended: StrategyName | null = null;
  let recommendation: string;
  const byName = (n: StrategyName) => all.find((s) => s.name === n)!;
  if (verdict === 'error') {
    recommendation = `No strategy: kc.sh update-compatibility check failed (exit ${exitCode}: ${describeExitCode(exitCode)}). Read its output, fix the option or the metadata, and plan again.`;
  } else if (byName('rolling').available) {
    recommended = 'rolling';
    recommendation = 'Rolling: Keycloak confirms the change can roll (exit 0), so nodes restart one at a time with no outage and no second environment.';
  } else if (byName('blue-green').available) {
    recommended = 'blue-green';
    recommendation = verdict === 'rolling'
      ? 'Blue/green: Keycloak would allow rolling, but the cluster has a single node; a verified green copy avoids the outage of restarting it.'
      : `Blue/green: rolling is ruled out (${forcing(input.reasons)}), and a verified green copy behind one traffic switch avoids recreate's outage of ${secondsText(byName('recreate').downtime.seconds)}.`;
  } else {
    recommended = 'recreate';
    recommendation = `Recreate: ${verdict === 'rolling' ? 'the cluster has a single node' : `rolling is ruled out (${forcing(input.reasons)})`} and blue/green needs a Terraform configuration; plan for a full outage of ${secondsText(byName('recreate').downtime.seconds)}.`;
  }
  return { strategies: all.map((s) => ({ ...s, recommended: s.name === recommended })), recommended, recommendation };
}

/**
 * Whether Keyturn can run a strategy for this plan, and why (not): available
 * by Keycloak's answer, implemented by this Keyturn, and the cluster has what
 * the steps need. The console shows exactly this; it decides nothing itself.
 */
export function executability(name: StrategyName, available: boolean, input: StrategyInput): { executable: boolean; executableWhy: string } {
  const c = input.cluster;
  const no = (why: string) => ({ executable: false, executableWhy: why });
  if (!available) return no('Not available for this change (see why above).');
  if (c.ansible === false) return no('The cluster has no Ansible inventory and playbook: add ansible: { inventory, playbook } to its record.');
  if (name === 'blue-green') {
    const frontMissing = c.traffic.kind === 'haproxy' ? c.frontMissing ?? ['map', 'backends: { blue, green }'] : [];
    if (frontMissing.length) return no(`Blue/green switches ${c.traffic.name} on the front HAProxy by one map entry: add ${frontMissing.join(' and ')} to traffic in the cluster file.`);
    const building = blueGreenOptions(c).colour;
    const left = c.colours?.others.find((o) => o.colour === building);
    if (left) return no(`A ${building} deployment is still on record as ${left.role}: decommission it first (keyturn standby decommission --cluster NAME --yes), then plan again.`);
    if (c.smokeMissing?.length) return no(`Green is smoke-tested before any switch (client credentials, a password login, an admin API read): add ${c.smokeMissing.join(', ')} to the cluster file.`);
    if (!c.loadBalancer) return no("Blue/green reads the old colour's load balancer counters to tell when its last request came: add loadBalancer: { kind: haproxy, runtimeApi, backend } to the cluster.");
    return { executable: true, executableWhy: c.standby
      ? `Ready to run: ${building} is the standby described in the cluster file (${c.standby.nodes} hosts, its database and load balancer), cloned from a verified backup and proven before ${input.cluster.traffic.name} switches.`
      : `Ready to run: ${building} is built with the cluster's Terraform (workspace "${building}"), cloned from a verified backup and proven before ${input.cluster.traffic.name} switches.` };
  }
  if (name === 'rolling') {
    if (!c.loadBalancer) return no('A rolling run drains each node in the load balancer: add loadBalancer: { kind: haproxy, runtimeApi, backend } to the cluster.');
    return { executable: true, executableWhy: 'Ready to run: one node at a time through the load balancer.' };
  }
  if (c.stopPlaybook === false) return no('Recreate stops every node with the stop playbook: add ansible.stopPlaybook to the cluster.');
  if (input.change.direction === 'down' && (input.change.kind === 'minor' || input.change.kind === 'major')) {
    return no(`Going back to ${input.change.to} across a minor version needs the database as it was on ${input.change.to}: restore the backup taken on it with keyturn rollback, which also checks the schema.`);
  }
  return { executable: true, executableWhy: c.loadBalancer ? 'Ready to run: the load balancer answers 503 with Retry-After during the outage.' : 'Ready to run; without a load balancer clients get refused connections during the outage.' };
}
