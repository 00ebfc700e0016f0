/**
 * The strategy planner: Keycloak's own answer for a target, with the why,
 * the choice between strategies and the way back.
 *
 * A plan is a recorded run (kind `plan`) so the console's Pre-flight step
 * shows kc.sh's output live and a reload loses nothing: metadata of the
 * running deployment (stored, live node, or local), `update-compatibility
 * check` with the target's kc.sh in a scratch copy and the complete target
 * options, then the explanation and strategies (pure domain code), stored in
 * the ledger with the run.
 */
import type { Plan, PlanInput } from '../../shared/contract/index.ts';
import { explain } from '../../shared/domain/compatibility.ts';
import { diffOptions } from '../../shared/domain/rolling-rules.ts';
import { applyEdits, startOptions } from '../../shared/domain/start-options.ts';
import { planStrategies, type ClusterFacts } from '../../shared/domain/strategy.ts';
import { classifyChange, parseVersion } from '../../shared/domain/versions.ts';
import { median } from '../../shared/domain/median.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { beginRun, type RecorderDeps, type RunRecorder } from '../runs/run-recorder.ts';
import { getCluster } from '../ledger/clusters-repo.ts';
import { listColours } from '../ledger/colours-repo.ts';
import { getPlan, insertPlan } from '../ledger/plans-repo.ts';
import { getRun } from '../ledger/runs-repo.ts';
import { checkCompatibility } from '../tools/kcsh.ts';
import { tailLines } from '../tools/process.ts';
import { prepareScratch, withScratchLock } from '../tools/kcsh-scratch.ts';
import type { ArtifactService } from './artifact-service.ts';
import { kcshLineSink } from './kcsh-events.ts';
import { cachedCheck, checkKey, rememberCheck } from './check-cache.ts';
import { localJavaHome, obtainMetadata, optionsFingerprint, scratchRoot, type CaptureContext } from './metadata-capture.ts';
import { latestMetadata } from '../ledger/metadata-repo.ts';
import { measuredRecreateOutages, stepDurations } from '../ledger/runs-repo.ts';
import { createHash } from 'node:crypto';
import { secretOptionEnv } from './secret-refs.ts';
import { planVersions } from './plan-versions.ts';

export interface PlanServiceDeps extends RecorderDeps {
  home: string;
  artifacts: ArtifactService;
}

const metadataStep = (from: string) => ({ kind: 'plan.metadata', title: `Compatibility metadata of the running deployment (Keycloak ${from})` });
const planSteps = (from: string, to: string) => [
  metadataStep(from),
  { kind: 'plan.check', title: `update-compatibility check with Keycloak ${to} in a scratch copy` },
  { kind: 'plan.strategy', title: 'Explain the result and choose a strategy' },
];

/** Cluster-wide options for display: secret ones by name only. */
function visibleOptions(options: Record<string, string>, secretKeys: string[]): Record<string, string> {
  return { ...options, ...Object.fromEntries(secretKeys.map((k) => [k, '(secret)'])) };
}

/**
 * What this cluster's own earlier runs measured: a graceful stop of every
 * node (recreate's `cluster.stop`, else a rolling node switch's share of it is
 * unknown, so the default stands) and a node's start to ready (`node.install`
 * plus `node.ready`). Medians of the last ten, in seconds.
 */
export function clusterHistory(db: PlanServiceDeps['db'], clusterId: string): ClusterFacts['history'] {
  const stops = stepDurations(db, clusterId, 'cluster.stop');
  const installs = stepDurations(db, clusterId, 'node.install');
  const readies = stepDurations(db, clusterId, 'node.ready');
  const start = median(installs);
  const ready = median(readies) ?? 0;
  const stop = median(stops);
  const outages = measuredRecreateOutages(db, clusterId);
  const kindOf = (o: (typeof outages)[number]) => (o.from !== null && o.to !== null && parseVersion(o.from) && parseVersion(o.to) ? classifyChange(o.from, o.to).kind : null);
  const migrating = outages.filter((o) => kindOf(o) === 'minor' || kindOf(o) === 'major');
  const plain = outages.filter((o) => kindOf(o) === 'patch' || kindOf(o) === 'same');
  const summary = (list: typeof outages) => (list.length ? { seconds: median(list.map((o) => o.seconds))!, samples: list.length } : null);
  return {
    stopSeconds: stop === null ? null : Math.round(stop / 1000),
    startSeconds: start === null ? null : Math.round((start + ready) / 1000),
    samples: installs.length,
    ...(outages.length ? { recreateOutages: { migrating: summary(migrating), plain: summary(plain) } } : {}),
  };
}


function clusterFacts(db: PlanServiceDeps['db'], detail: ReturnType<typeof getCluster>, toOptions: Record<string, string>, promote?: 'manual' | 'auto', freeze?: 'on' | 'off', sessions?: PlanInput['sessions']): ClusterFacts {
  const t = detail.spec.traffic;
  const history = clusterHistory(db, detail.id);
  const colours = listColours(db, detail.id);
  const active = colours.find((c) => c.role === 'active')?.colour ?? 'blue';
  return {
    nodes: detail.spec.nodes.map((n) => n.name),
    loadBalancer: detail.spec.loadBalancer !== undefined,
    traffic: t.kind === 'dns' ? { kind: 'dns', name: t.name, ttl: t.ttl } : { kind: 'haproxy', name: t.name },
    terraform: detail.spec.terraform !== undefined,
    ...(detail.spec.blueGreen?.standby ? { standby: { nodes: detail.spec.blueGreen.standby.nodes.length } } : {}),
    ansible: detail.spec.ansible !== undefined,
    stopPlaybook: detail.spec.ansible?.stopPlaybook !== undefined,
    phased: detail.spec.ansible?.phased === true,
    warmup: detail.spec.probe !== undefined,
    options: toOptions,
    environment: detail.spec.environment,
    ...(t.kind === 'haproxy' ? { frontMissing: [...(t.map ? [] : ['map: <the map file haproxy.cfg routes the host with>']), ...(t.backends ? [] : ['backends: { blue, green }'])] } : {}),
    smokeMissing: [
      ...(detail.spec.probe ? [] : ['probe: { realm, clientId, clientSecretRef }']),
      ...(detail.spec.smoke?.user ? [] : ['smoke: { user: { username, passwordRef } }']),
      ...(detail.spec.admin ? [] : ['admin: { username, passwordRef }']),
    ],
    ...(detail.spec.blueGreen ? { blueGreen: { watchSeconds: detail.spec.blueGreen.watchSeconds, graceSeconds: detail.spec.blueGreen.graceSeconds } } : {}),
    colours: { active, others: colours.filter((c) => c.role !== 'active').map((c) => ({ colour: c.colour, role: c.role })) },
    ...(promote ? { promote } : {}),
    canFreeze: detail.spec.loadBalancer?.freeze !== undefined,
    ...(freeze ? { freeze } : {}),
    // the run's choice, else the cluster's own policy, else the planner's default (keep-all)
    ...(sessions ?? detail.spec.sessionPolicy ? { sessions: sessions ?? detail.spec.sessionPolicy } : {}),
    // A stop measured without a start (or the reverse) is no history: the prediction would mix measured and default.
    ...(history && history.startSeconds !== null ? { history: history.stopSeconds === null ? { ...history, stopSeconds: null } : history } : {}),
  };
}

/** The option edits of a plan input, as recorded in its basis (what the run applies). */
function editsOf(input: PlanInput): Record<string, unknown> {
  return { set: input.set ?? {}, unset: input.unset ?? [], ...(input.features ? { features: input.features } : {}), ...(input.featuresDisabled ? { featuresDisabled: input.featuresDisabled } : {}), ...(input.promote ? { promote: input.promote } : {}), ...(input.freeze ? { freeze: input.freeze } : {}), ...(input.sessions ? { sessions: input.sessions } : {}) };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function checkFailed(plan: Plan): KeyturnError {
  return new KeyturnError('tool-failed', `kc.sh update-compatibility check with Keycloak ${plan.to} failed (exit ${plan.check.exitCode}): ${tailLines(plan.check.output, 3)}`,
    'Read the check output in the plan; correct the option or the metadata it names, then plan again.');
}

export function createPlanService(deps: PlanServiceDeps) {
  /** Resolves what a run needs before it starts, so a bad input fails the call, not a run. */
  async function prepare(cluster: string) {
    const detail = getCluster(deps.db, cluster);
    const secrets = await secretOptionEnv(detail.spec.keycloak.secretOptions);
    return { detail, secrets };
  }

  function startRun(detail: ReturnType<typeof getCluster>, kind: string, toState: Record<string, unknown>, steps: { kind: string; title: string }[], secrets: string[]): RunRecorder {
    return beginRun(deps, `plan:${detail.id}`, { clusterId: detail.id, kind, fromState: { version: detail.spec.keycloak.version }, toState }, steps, secrets);
  }

  async function execute(rec: RunRecorder, ctx: CaptureContext, input: PlanInput, signal?: AbortSignal): Promise<Plan> {
    const { detail } = ctx;
    const spec = detail.spec;
    const from = spec.keycloak.version;
    const secretKeys = Object.keys(spec.keycloak.secretOptions);
    const toOptions = applyEdits(spec.keycloak.options, input);

    const { record } = await rec.step(0, () => obtainMetadata(deps, ctx, { refresh: input.refreshMetadata ?? false }));
    const refNode = spec.nodes.find((n) => n.name === record.node) ?? spec.nodes[0]!;

    const check = await rec.step(1, async () => {
      const [javaHome, artifact] = await Promise.all([localJavaHome(), deps.artifacts.ensure(input.to, signal ? { signal } : {})]);
      const root = scratchRoot(deps.home);
      const options = startOptions({ options: toOptions }, refNode);
      const key = checkKey({ distributionSha256: artifact.sha256, metadataSha256: record.sha256, options, secretOptionNames: secretKeys, javaHome });
      const earlier = input.refreshMetadata ? null : await cachedCheck(root, key);
      if (earlier) {
        rec.event('engine', 'plan.check-answered', 'info', { message: `kc.sh update-compatibility check: the identical check (same distribution, metadata, options and JDK) exited ${earlier.exitCode} at ${earlier.answeredAt}; not run again`, exitCode: earlier.exitCode, answeredAt: earlier.answeredAt });
        return { ...earlier, scratch: 'answered' as const };
      }
      return withScratchLock(root, input.to, async () => {
        const copy = await prepareScratch({ root, version: input.to, zipPath: artifact.path, sha256: artifact.sha256, ...(signal ? { signal } : {}) });
        rec.event('engine', 'plan.scratch', 'info', { message: `Scratch copy of Keycloak ${input.to}: ${copy.state} (${copy.home})`, version: input.to, state: copy.state, home: copy.home });
        const outcome = await checkCompatibility(copy.home, record.path, {
          javaHome,
          options,
          secretEnv: ctx.secretEnv,
          onLine: kcshLineSink(rec, 'check', null),
          ...(signal ? { signal } : {}),
        });
        rec.event('kcsh', 'kcsh.exit', outcome.verdict === 'error' ? 'error' : 'info', { phase: 'check', exitCode: outcome.exitCode, verdict: outcome.verdict, durationMs: outcome.durationMs, message: `kc.sh update-compatibility check exited ${outcome.exitCode} (${outcome.verdict}) in ${(outcome.durationMs / 1000).toFixed(1)} s` });
        await rememberCheck(root, key, outcome).catch(() => undefined);
        return { ...outcome, scratch: copy.state === 'cold' || outcome.rebuilt ? 'cold' as const : 'warm' as const };
      }, signal ? { signal } : {});
    });

    return rec.step(2, async () => {
      const change = classifyChange(from, input.to);
      const reasons = explain({ from, to: input.to, fromOptions: spec.keycloak.options, toOptions, exitCode: check.exitCode, output: check.output });
      const strategies = planStrategies({ change, exitCode: check.exitCode, verdict: check.verdict, reasons, cluster: clusterFacts(deps.db, detail, toOptions, input.promote, input.freeze, input.sessions) });
      const artifact = await deps.artifacts.ensure(input.to, signal ? { signal } : {});
      const plan: Plan = {
        runId: rec.runId,
        cluster: detail.name,
        from,
        to: input.to,
        change: { kind: change.kind, direction: change.direction, label: change.label },
        options: { from: visibleOptions(spec.keycloak.options, secretKeys), to: visibleOptions(toOptions, secretKeys), changed: diffOptions(spec.keycloak.options, toOptions) },
        check: {
          exitCode: check.exitCode, verdict: check.verdict, output: check.output, durationMs: check.durationMs, scratch: check.scratch, command: check.command,
          ...('answeredAt' in check ? { answeredAt: check.answeredAt } : {}),
          metadataSource: record.source, metadataNode: record.node, metadataTakenAt: record.takenAt, metadataDurationMs: record.runId === rec.runId ? record.durationMs : 0,
        },
        ...strategies,
        reasons,
        basis: { specSha256: sha256(JSON.stringify(spec)), artifactSha256: artifact.sha256, metadataSha256: record.sha256, edits: editsOf(input) },
        createdAt: new Date().toISOString(),
      };
      insertPlan(deps.db, detail.id, plan);
      rec.event('engine', 'plan.computed', plan.check.verdict === 'error' ? 'error' : 'info', { message: `Plan computed: ${plan.recommended ?? 'no strategy'} (check exit ${plan.check.exitCode})`, exitCode: plan.check.exitCode, verdict: plan.check.verdict, recommended: plan.recommended });
      return plan;
    });
  }

  return {
    /** Starts a plan run; `done` resolves with the plan (also stored for `get`). */
    async start(input: PlanInput, signal?: AbortSignal): Promise<{ runId: string; done: Promise<Plan> }> {
      const { detail, secrets } = await prepare(input.cluster);
      if (input.freeze === 'on' && !detail.spec.loadBalancer?.freeze) {
        throw new KeyturnError('invalid-input', `--freeze on: cluster '${detail.name}' has no write freeze on its load balancer (loadBalancer.freeze.aclFile), so writes on the old side cannot be refused.`,
          'Add the freeze lines to its HAProxy frontend and loadBalancer.freeze: { aclFile } to the cluster file (docs/write-freeze.md), or plan with --freeze off: writes after the clone point are then counted and named at the gate.');
      }
      const rec = startRun(detail, 'plan', { version: input.to, set: input.set ?? {}, unset: input.unset ?? [], features: input.features ?? null, featuresDisabled: input.featuresDisabled ?? null }, planSteps(detail.spec.keycloak.version, input.to), secrets.values);
      const ctx: CaptureContext = { detail, secretEnv: secrets.env, rec, ...(signal ? { signal } : {}) };
      const done = execute(rec, ctx, input, signal).then(
        (plan) => {
          // The plan is stored and returned either way: a failed check is shown with kc.sh's output, and the run says it failed.
          if (plan.check.verdict === 'error') rec.fail(checkFailed(plan));
          else rec.succeed({ message: plan.recommendation, recommended: plan.recommended, exitCode: plan.check.exitCode });
          return plan;
        },
        (err: unknown) => {
          rec.fail(err);
          throw err;
        },
      );
      return { runId: rec.runId, done };
    },

    /** Start and wait: the CLI's `keyturn plan` and `plan:compute`. */
    async compute(input: PlanInput, signal?: AbortSignal): Promise<Plan> {
      return (await this.start(input, signal)).done;
    },

    /** The plan of a finished run; a failed or unfinished run says so. */
    get(runId: string): Plan {
      const plan = getPlan(deps.db, runId);
      if (plan) return plan;
      const { run } = getRun(deps.db, runId);
      if (run.kind !== 'plan') throw new KeyturnError('not-found', `Run ${runId} is a ${run.kind} run, not a plan.`, 'Open the plan run of the wizard instead.');
      if (run.error) throw new KeyturnError('not-found', `Plan run ${runId} computed no plan: ${run.error.message}`, run.error.hint);
      throw new KeyturnError('not-found', `Plan run ${runId} is ${run.status}; its plan is not ready yet.`, 'Wait for the run.succeeded event of this run, then ask again.');
    },

    /** (Re)captures metadata of a cluster as its own recorded run. */
    async captureMetadata(input: { cluster: string; node?: string; local?: boolean }, signal?: AbortSignal) {
      const { detail, secrets } = await prepare(input.cluster);
      const rec = startRun(detail, 'metadata', { version: detail.spec.keycloak.version }, [metadataStep(detail.spec.keycloak.version)], secrets.values);
      try {
        const { record } = await rec.step(0, () => obtainMetadata(deps, { detail, secretEnv: secrets.env, rec, ...(signal ? { signal } : {}) }, { refresh: true, ...(input.node ? { node: input.node } : {}), ...(input.local ? { local: true } : {}) }));
        rec.succeed({ message: `Metadata of Keycloak ${record.version} recorded (${record.source}${record.node ? ` ${record.node}` : ''})` });
        const { optionsSha256: _o, content: _c, ...view } = record;
        return view;
      } catch (err) {
        rec.fail(err);
        throw err;
      }
    },

    versions: (input: { cluster?: string; refresh?: boolean } = {}) => planVersions(deps.db, deps.artifacts, input),

    /**
     * What a plan for `to` would be computed from now: the cluster record,
     * the target artifact and the newest metadata of the running deployment.
     * A run compares it with the plan's own basis and refuses a stale plan.
     */
    async basisOf(detail: ReturnType<typeof getCluster>, to: string, edits: Record<string, unknown>): Promise<NonNullable<Plan['basis']>> {
      const artifact = await deps.artifacts.ensure(to);
      const metadata = latestMetadata(deps.db, detail.id, detail.spec.keycloak.version, optionsFingerprint(detail));
      return { specSha256: sha256(JSON.stringify(detail.spec)), artifactSha256: artifact.sha256, metadataSha256: metadata?.sha256 ?? 'none', edits };
    },
  };
}

export type PlanService = ReturnType<typeof createPlanService>;
