/**
 * The steps each strategy runs, in order: one list that the plan shows, the
 * operator approves and the engine writes to the ledger and executes, so what
 * was read is what runs. Titles name the node and the version so the plan
 * reads as a runbook; `kind` is one of the step kinds the engine implements
 * (step-kinds.ts); `params` is what the step needs and nothing else.
 */
import { colourCacheClusterName } from './colour-spec.ts';
import type { ClusterSpec } from '../contract/clusters.ts';
import { freezeSummary } from './write-freeze.ts';
import type { PlanStep } from '../contract/plan.ts';
import type { VersionChange } from './versions.ts';

/** What the steps depend on. */
export interface StepFacts {
  change: VersionChange;
  nodes: readonly string[];
  loadBalancer: boolean;
  traffic: { kind: 'dns'; name: string; ttl: number } | { kind: 'haproxy'; name: string };
  /** The cluster's playbook can stage a version beside the running one (keycloak_phase=prepare|switch). */
  phased?: boolean;
  /** A probe client is configured: a started node is warmed up with token requests before it takes traffic. */
  warmup?: boolean;
  /** The complete non-secret Keycloak options of the target (secret ones stay references in the cluster). */
  options?: Readonly<Record<string, string>>;
  /** The cluster's environment; absent means production (the cluster file's default), so blue/green promotes manually. */
  environment?: ClusterSpec['environment'];
}

type Params = Record<string, unknown>;
const step = (kind: string, title: string, node: string | null, params: Params): PlanStep => ({ kind, title, node, params });

function commonParams(f: StepFacts, strategy: string, extra: Params = {}): Params {
  return { to: f.change.to, from: f.change.from, strategy, phased: f.phased === true, ...(f.options ? { options: { ...f.options } } : {}), ...extra };
}

const minorOrMajor = (f: StepFacts) => f.change.kind === 'minor' || f.change.kind === 'major';

/** Stage the target on every node while it serves (only with a phased playbook). */
function stage(f: StepFacts, p: Params, nodes: readonly string[]): PlanStep[] {
  if (!f.phased || !nodes.length) return [];
  return [step('cluster.prepare', `Stage Keycloak ${f.change.to} with the target options on ${nodes.join(', ')} while they serve (copy, unpack, build)`, null, { ...p, nodes: [...nodes] })];
}

/** One node back into service after it started on its own: ready, in the cluster view, warm, in the load balancer. */
function rejoin(f: StepFacts, n: string, p: Params): PlanStep[] {
  return [
    step('node.ready', `${n}: wait for /health/ready`, n, p),
    step('node.joined', `${n}: verify it joined the cluster (size ${f.nodes.length})`, n, p),
    ...(f.warmup ? [step('node.warmup', `${n}: warm up with token requests before it takes traffic`, n, p)] : []),
    ...(f.loadBalancer ? [step('node.enable', `${n}: enable in the load balancer`, n, p)] : []),
  ];
}

const verify = (f: StepFacts, p: Params) => step('verify', `Verify: every node on ${f.change.to}, ready, one cluster of ${f.nodes.length}; record the new state`, null, p);

export interface RollingOptions {
  /** Take a backup first (an upgrade always does; a rollback already has one). */
  backup?: boolean;
  /** Only these nodes (a rollback skips nodes already on the old version); all when omitted. */
  only?: readonly string[];
  /** A rollback must be able to start with a node down (the one that failed). */
  requireReady?: boolean;
}

/** One node at a time: drain, switch, ready, joined, warm, enable; the others serve meanwhile. */
export function rollingSteps(f: StepFacts, o: RollingOptions = {}): PlanStep[] {
  const p = commonParams(f, 'rolling', { requireReady: o.requireReady ?? true });
  const nodes = f.nodes.filter((n) => !o.only || o.only.includes(n));
  const steps: PlanStep[] = [step('preflight', 'Preflight: every node reachable over SSH and ready; the target verified', null, p)];
  if (o.backup ?? true) steps.push(step('backup', 'Back up the database (pg_dump) before any node changes', null, p));
  steps.push(...stage(f, p, nodes));
  for (const n of nodes) {
    steps.push(
      ...(f.loadBalancer ? [step('node.drain', `${n}: drain in the load balancer (requests in flight finish)`, n, p)] : []),
      step('node.install', f.change.kind === 'same'
        ? `${n}: stop, apply the target options to Keycloak ${f.change.to}, start`
        : f.phased ? `${n}: stop, switch to Keycloak ${f.change.to}, start` : `${n}: stop, install Keycloak ${f.change.to}, start`, n, p),
      ...rejoin(f, n, p),
    );
  }
  return [...steps, verify(f, p)];
}

/** Every node stops behind a maintenance answer, the first starts (and migrates), then the others. */
export function recreateSteps(f: StepFacts): PlanStep[] {
  const p = commonParams(f, 'recreate', { requireReady: true });
  const [first, ...rest] = f.nodes;
  const steps: PlanStep[] = [
    step('preflight', 'Preflight: every node reachable over SSH and ready; the target verified', null, p),
    // The backup is the only way back once the first start migrated the schema: proven before anything stops.
    step('backup', 'Back up the database (pg_dump) while the cluster still serves, and prove the dump by a restore into a scratch database: it is the way back', null, { ...p, verifyBackup: true }),
    ...stage(f, p, f.nodes),
  ];
  steps.push(...downAndFirstUp(f, p, first, minorOrMajor(f) ? ' (it migrates the database schema)' : ''));
  for (const n of rest) steps.push(step('node.install', `${n}: start Keycloak ${f.change.to}${f.change.kind === 'same' ? ' with the target options' : ''}`, n, p), ...rejoin(f, n, p));
  return [...steps, verify(f, p)];
}

/** The outage part shared by recreate and restore: maintenance, stop all, (restore), first node up, maintenance over. */
function downAndFirstUp(f: StepFacts, p: Params, first: string | undefined, firstNote: string, restore?: PlanStep): PlanStep[] {
  const steps: PlanStep[] = [];
  if (f.loadBalancer) steps.push(step('lb.maintenance', 'Load balancer into maintenance: every request gets 503 with Retry-After (downtime starts)', null, p));
  steps.push(step('cluster.stop', `Stop Keycloak on ${f.nodes.join(', ')} at once${f.loadBalancer ? '' : ' (downtime starts)'}`, null, p));
  if (restore) steps.push(restore);
  if (!first) return steps;
  const solo = { ...p, joinCheck: false };
  steps.push(
    step('node.install', `${first}: start Keycloak ${f.change.to}${firstNote}`, first, solo),
    step('node.ready', `${first}: wait for /health/ready`, first, solo),
    // A cold JVM answers its first token requests in seconds: warm it while clients still get the maintenance answer, not timeouts.
    ...(f.warmup ? [step('node.warmup', `${first}: warm up with token requests before it takes traffic`, first, solo)] : []),
  );
  if (f.loadBalancer) steps.push(step('lb.end-maintenance', `End the maintenance: ${first} asked for /health/ready once more, then set UP in HAProxy at once (its checks keep watching; downtime ends)`, first, solo));
  return steps;
}

export interface RestoreOptions {
  backupId: string;
  backupTakenAt: string;
  /** What happens to sessions in the restored database (default: drop online ones). */
  sessionPolicy?: 'drop-online' | 'keep-all' | 'drop-all';
}

/**
 * The way back once a newer version migrated the schema: maintenance, stop
 * every node, restore the pre-upgrade backup beside the migrated database
 * (kept under a dated name), start the old version. `f.change` goes from the
 * migrated version to the one being restored. Without a restore (`o` null:
 * the schema did not move) it is the same outage shape with the old version.
 */
export function restoreSteps(f: StepFacts, o: RestoreOptions | null): PlanStep[] {
  const p = o
    ? commonParams(f, 'restore', { requireReady: false, phased: false, backupId: o.backupId, sessionPolicy: o.sessionPolicy ?? 'drop-online' })
    : commonParams(f, 'recreate-back', { requireReady: false, phased: false });
  const [first, ...rest] = f.nodes;
  const restore = o ? step('db.restore', `Restore backup ${o.backupId.slice(0, 8)} (taken ${o.backupTakenAt}) beside the live database, then swap: the migrated one is kept under a dated name`, null, p) : undefined;
  const steps: PlanStep[] = [
    step('preflight', 'Preflight: every node reachable over SSH (a failed node may be down); the old version verified', null, p),
    ...downAndFirstUp(f, p, first, o ? ' on the restored database (its schema checked first)' : ' (its schema checked first)', restore),
  ];
  for (const n of rest) steps.push(step('node.install', `${n}: start Keycloak ${f.change.to}`, n, p), ...rejoin(f, n, p));
  return [...steps, verify(f, p)];
}

/** A blue/green deployment's colour; the one serving is blue on the first blue/green upgrade, and they alternate after. */
export type Colour = 'blue' | 'green';
const other = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');

/** Seconds the prober watches the public name after the switch, by default. */
export const defaultWatchSeconds = 60;
/** Seconds the colour traffic left keeps serving beyond the DNS TTL (clients and resolvers that hold the old answer a little longer). */
export const defaultGraceSeconds = 10;
/** Share of the prober's requests that may fail during the watch before it switches back on its own. */
export const defaultFailureThreshold = 0.02;

export interface BlueGreenOptions {
  /** manual: the run pauses at the promotion gate until the operator promotes; auto: it switches once green passed. Default from the environment. */
  promote?: 'manual' | 'auto';
  watchSeconds?: number;
  graceSeconds?: number;
  failureThreshold?: number;
  /** The colour being built (default green); the other one serves and becomes the standby. */
  colour?: Colour;
  /** Green from the cluster's Terraform (one workspace per colour) or from a standby described in the cluster file. */
  provision?: 'terraform' | 'described';
  /** How many hosts the described standby has (it need not match the serving colour's). */
  standbyNodes?: number;
  /** The cluster file's own smoke checks (commands or URLs), run after the built-in ones. */
  smokeChecks?: readonly string[];
  /** The write freeze on the serving colour's load balancer from the clone point to the switch (write-freeze.ts); off unless asked for. */
  freeze?: boolean;
  /** What green's copy keeps of the sessions it carries: keep-all by default (users stay signed in across the switch). */
  sessions?: 'keep-all' | 'drop-online' | 'drop-all';
}

const sessionWords = { 'keep-all': '', 'drop-online': '; drop the online sessions it carries (offline tokens stay)', 'drop-all': '; drop every session it carries (everyone signs in again)' } as const;

/** Manual promotion for production (and when the environment is not known: the cluster file defaults to production); automatic for lab, test, staging, development. */
export const defaultPromote = (f: Pick<StepFacts, 'environment'>): 'manual' | 'auto' => (f.environment === undefined || f.environment === 'production' ? 'manual' : 'auto');

const switchTitle = (f: StepFacts, to: Colour, back: boolean) => f.traffic.kind === 'dns'
  ? `Switch ${f.traffic.name}${back ? ' back' : ''} to ${to}'s load balancer (RFC 2136 DNS update, TTL ${f.traffic.ttl} s)`
  : `Switch ${f.traffic.name}${back ? ' back' : ''} to ${to}'s backend in one atomic change (front HAProxy runtime API)`;
const ttlOf = (f: StepFacts) => (f.traffic.kind === 'dns' ? f.traffic.ttl : 0);
const cap = (c: Colour) => `${c.charAt(0).toUpperCase()}${c.slice(1)}`;
const drainTitle = (f: StepFacts, from: Colour, grace: number) => f.traffic.kind === 'dns'
  ? `${cap(from)} keeps serving clients that still resolve it for ${f.traffic.ttl} s TTL + ${grace} s grace; its HAProxy counters tell when the last request reached ${from}`
  : `${cap(from)}'s backend finishes the requests in flight (${grace} s grace); its HAProxy counters tell when the last request reached ${from}`;

/**
 * Green cloned from a verified backup of blue, upgraded and proven beside it,
 * then one traffic switch; blue keeps serving through the DNS TTL and stays
 * as the hot standby.
 */
export function blueGreenSteps(f: StepFacts, o: BlueGreenOptions = {}): PlanStep[] {
  const colour = o.colour ?? 'green';
  const serving = other(colour);
  const promote = o.promote ?? defaultPromote(f);
  const watchSeconds = o.watchSeconds ?? defaultWatchSeconds;
  const graceSeconds = o.graceSeconds ?? defaultGraceSeconds;
  const failureThreshold = o.failureThreshold ?? defaultFailureThreshold;
  const provision = o.provision ?? 'terraform';
  const smokeChecks = [...(o.smokeChecks ?? [])];
  const p = commonParams(f, 'blue-green', { phased: false, colour, serving });
  const n = f.nodes.length;
  const s = (kind: string, title: string, extra: Params = {}) => step(kind, title, null, { ...p, ...extra });
  const freeze = o.freeze === true;
  const ownCluster = colourCacheClusterName(f.options ?? {}, colour, f.change.to);
  return [
    s('preflight', `Preflight: ${serving}'s nodes reachable over SSH and ready; the target verified; ${provision === 'terraform' ? 'Terraform' : 'the described standby'} ready for ${colour}${freeze ? `; ${serving}'s load balancer can freeze writes` : ''}`, { provision }),
    ...(freeze ? [s('lb.freeze', `Freeze writes on ${serving}'s load balancer until the switch: ${freezeSummary()}`, { freezeColour: serving })] : []),
    s('backup.verify', `Back up ${serving}'s database (pg_dump) and prove the dump by a restore into a scratch database; its time is the clone point`),
    s('green.provision', provision === 'terraform'
      ? `Create ${colour}: ${n} hosts, a database and a load balancer (Terraform workspace "${colour}")`
      : `Take the described standby into use as ${colour}: ${o.standbyNodes ?? n} hosts, a database and a load balancer`, { provision }),
    s('green.restore', `Restore the verified backup into ${colour}'s empty database and empty its JGROUPS_PING (the copy carries ${serving}'s members), so ${colour} never joins ${serving}${sessionWords[o.sessions ?? 'keep-all']}`, { sessionPolicy: o.sessions ?? 'keep-all' }),
    s('green.install', `Install Keycloak ${f.change.to} with the target options on ${colour} (Ansible)${ownCluster ? `, under a cache cluster name of its own (${ownCluster})` : ''}${minorOrMajor(f) ? `; its first start migrates ${colour}'s copy of the schema` : ''}`),
    s('green.verify', `Verify ${colour}: every node ready, one cluster of ${n}; ${colour}'s view holds exactly ${colour}'s nodes and ${serving}'s still exactly ${serving}'s`),
    s('green.smoke', `Smoke test ${colour} through the preview path as ${f.traffic.name}: client credentials, password login, refresh, userinfo, admin API read${smokeChecks.length ? `, then the cluster file's ${smokeChecks.length} own check${smokeChecks.length === 1 ? '' : 's'}` : ''}`, { host: f.traffic.name, smokeChecks }),
    s('promotion.gate', promote === 'manual'
      ? `Promotion gate: the run pauses until the operator promotes ${colour} ("Promote ${colour}" or keyturn runs resume)`
      : `Promotion gate: promote ${colour} automatically once its checks passed`, { promote, freeze }),
    s('traffic.switch', switchTitle(f, colour, false), { toColour: colour, ttl: ttlOf(f) }),
    s('traffic.drain', drainTitle(f, serving, graceSeconds), { fromColour: serving, ttl: ttlOf(f), graceSeconds }),
    // Blue accepts writes again before the watch: if the watch switches back, blue serves as before.
    ...(freeze ? [s('lb.thaw', `End the write freeze on ${serving}: no client reaches it any more`, { freezeColour: serving })] : []),
    s('traffic.watch', `Watch ${f.traffic.name} with the prober for ${watchSeconds} s; above ${Math.round(failureThreshold * 1000) / 10}% failed requests, switch back to ${serving} automatically`, { watchSeconds, failureThreshold, switchBackTo: serving }),
    s('standby.record', `Record ${colour} as active and ${serving} as its hot standby (kept running, unchanged, as the way back)`, { active: colour, standby: serving, standbyRole: 'hot-standby' }),
  ];
}

export interface SwitchBackOptions {
  /** The colour the undone run built (default green); the other one is switched back to. */
  colour?: Colour;
  /** The undone run's traffic switch began: traffic goes back, then is watched. */
  switched: boolean;
  /** Green exists (its provisioning began). */
  greenExists: boolean;
  /** Before a switch only: keep green for inspection instead of destroying it (after a switch green is always kept: it holds writes blue lacks). */
  keepGreen?: boolean;
  provision?: 'terraform' | 'described';
  watchSeconds?: number;
  graceSeconds?: number;
  /** The undone run froze writes on blue and may not have ended the freeze: end it first (idempotent). */
  froze?: boolean;
}

/**
 * The way back from a blue/green run. After the switch: traffic back to
 * blue (the same switch, the other way), green keeps serving the clients
 * that still resolve it through TTL + grace, the prober watches blue, and
 * blue is recorded active with green kept as standby (decommissioned only on
 * request). Before the switch: blue never changed, so green is destroyed (or
 * kept for inspection) and blue is verified. `f.change` goes from the undone
 * run's target back to blue's version; `f.nodes` are blue's nodes.
 */
export function switchBackSteps(f: StepFacts, o: SwitchBackOptions): PlanStep[] {
  const built = o.colour ?? 'green';
  const blue = other(built);
  const graceSeconds = o.graceSeconds ?? defaultGraceSeconds;
  const watchSeconds = o.watchSeconds ?? defaultWatchSeconds;
  const provision = o.provision ?? 'terraform';
  // As in blueGreenSteps: `colour` is where the traffic goes, `serving` where it is now.
  const p = commonParams(f, 'switch-back', { phased: false, requireReady: true, colour: blue, serving: built });
  const s = (kind: string, title: string, extra: Params = {}) => step(kind, title, null, { ...p, ...extra });
  // Blue accepts writes again before anything else: it is (or is about to be) what clients reach.
  const thaw = o.froze ? [s('lb.thaw', `End the write freeze on ${blue}: it serves with writes accepted, as before the run`, { freezeColour: blue })] : [];
  if (o.switched) {
    return [
      ...thaw,
      s('traffic.switch', switchTitle(f, blue, true), { toColour: blue, ttl: ttlOf(f) }),
      s('traffic.drain', drainTitle(f, built, graceSeconds), { fromColour: built, ttl: ttlOf(f), graceSeconds }),
      // No automatic switch the other way: the operator chose blue.
      s('traffic.watch', `Watch ${f.traffic.name} on ${blue} with the prober for ${watchSeconds} s`, { watchSeconds, failureThreshold: null, switchBackTo: null }),
      s('standby.record', `Record ${blue} as active again and ${built} as standby: it holds the writes made since the switch, until it is decommissioned`, { active: blue, standby: built, standbyRole: 'after-switch-back' }),
    ];
  }
  const steps: PlanStep[] = [...thaw];
  if (o.greenExists) {
    steps.push(o.keepGreen
      ? s('standby.record', `Record ${built} as kept for inspection, never promoted; ${blue} stays active`, { active: blue, standby: built, standbyRole: 'inspection' })
      : s('green.destroy', provision === 'terraform' ? `Destroy ${built} (Terraform destroy of workspace "${built}"); ${blue} is untouched` : `Stop Keycloak on ${built}'s described standby hosts; ${blue} is untouched`, { provision, destroy: built }));
  }
  steps.push(s('verify', `Verify ${blue}: every node on ${f.change.to}, ready, one cluster of ${f.nodes.length}, still serving ${f.traffic.name} (it was never changed)`));
  return steps;
}
