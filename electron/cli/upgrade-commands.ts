/** `keyturn upgrade`, `keyturn rollback` and `keyturn runs pause|abort|resume`. */
import type { Command } from 'commander';
import { planCalls } from '../../shared/contract/plan.ts';
import { parseFreeze, parsePromote, parseSessions } from './plan-commands.ts';
import { sessionPolicySchema, type SessionPolicy } from '../../shared/contract/backups.ts';
import { upgradeCalls } from '../../shared/contract/upgrade.ts';
import { KeyturnError, toErrorShape, type KeyturnErrorShape } from '../../shared/errors.ts';
import type { RunOutcome } from '../engine/executor.ts';
import { summarize } from '../../shared/domain/probe-stats.ts';
import { listProbeSamples } from '../ledger/probe-samples-repo.ts';
import { runStates } from '../ledger/runs-repo.ts';
import { invoke } from '../registry/dispatch.ts';
import { measureDowntime } from '../engine/downtime.ts';
import { strategyRefusal } from '../engine/upgrade-service.ts';
import type { CliContext, CliScope } from './context.ts';
import { printJson } from './output.ts';
import { printProgress } from './progress.ts';

/**
 * Exit codes of a command that waits for a run (upgrade, rollback, runs
 * resume). A pipeline branches on them, so only a run that succeeded is 0:
 * a run that stopped on its own, or by request, is never mistaken for done.
 */
export const runExitCodes = { succeeded: 0, failed: 7, paused: 8, aborted: 9 } as const;
/** Kept for callers that name the paused code directly. */
export const pausedExitCode = runExitCodes.paused;

/** The exit code for how a run ended; a status that is not an end (running, interrupted) is a failure to finish. */
export function exitCodeForRun(status: string): number {
  return status in runExitCodes ? runExitCodes[status as keyof typeof runExitCodes] : runExitCodes.failed;
}

async function follow(scope: CliScope, ctx: CliContext, start: () => Promise<{ runId: string; done: Promise<RunOutcome> }>, json: boolean, verbose: boolean): Promise<void> {
  let runId: string | null = null;
  const stop = printProgress(scope.services.bus, scope.io, () => runId, verbose);
  let outcome: RunOutcome;
  // A refusal before the run exists (bad input, a held lock) keeps its own exit code; once the run exists, its status decides.
  let failure: KeyturnErrorShape | null = null;
  try {
    const started = await start();
    runId = started.runId;
    scope.io.err(`run ${runId}\n`);
    outcome = await started.done.catch((err: unknown) => {
      failure = toErrorShape(err);
      return 'failed' as const;
    });
  } finally {
    stop();
  }
  // The run as runs show --json gives it: with its data safety (clone point, window, lost writes) when it moved data across a copy.
  const result = await invoke(scope.handlers, 'runs:get', { id: runId });
  const samples = listProbeSamples(scope.services.db, runId);
  const probe = samples.length ? summarize(samples) : null;
  const error = failure ?? result.run.error ?? null;
  const predicted = Number(runStates(scope.services.db, runId).toState.predictedDowntimeSeconds ?? NaN);
  const downtime = probe ? measureDowntime(scope.services.db, runId, Number.isFinite(predicted) ? predicted : null) : null;
  if (json) printJson(scope.io, { ...result, probe, ...(downtime ? { downtime } : {}), ...(outcome === 'failed' && error ? { error } : {}) });
  else {
    scope.io.out(`Run ${runId}: ${result.run.status}${result.run.toVersion ? ` (target ${result.run.toVersion})` : ''}\n`);
    if (probe) scope.io.out(`Availability: ${probe.requests} requests, ${probe.failed} failed, p50 ${probe.p50Ms?.toFixed(0) ?? '-'} ms, p99 ${probe.p99Ms?.toFixed(0) ?? '-'} ms\n`);
    if (downtime) scope.io.out(`Downtime: predicted ${downtime.predictedSeconds ?? '?'} s, measured ${downtime.measuredSeconds ?? 0} s (${downtime.maintenanceAnswers} maintenance answers${Object.keys(downtime.otherFailures).length ? `, other failures: ${JSON.stringify(downtime.otherFailures)}` : ''})\n`);
  }
  const cluster = result.run.clusterName ?? 'NAME';
  if (outcome === 'paused') scope.io.err(`Paused. Continue with: keyturn runs resume ${runId}   (or roll back: keyturn rollback --cluster ${cluster})\n`);
  else if (outcome === 'aborted') scope.io.err(`Aborted: the cluster is as the completed steps left it. Look at it (keyturn runs show ${runId}), then roll back (keyturn rollback --cluster ${cluster}) or plan again.\n`);
  else if (outcome === 'failed') {
    const e = error as KeyturnErrorShape | null;
    if (!json) scope.io.err(`keyturn: run ${runId} failed${e ? `: ${e.message}` : ''}\n  hint: ${e?.hint ?? `See what happened with: keyturn runs show ${runId}`}\n`);
    scope.io.err(wayOut(result.run.kind, result.steps, cluster, runId));
  }
  ctx.exitCode = outcome === 'succeeded' ? exitCodeForRun(result.run.status) : runExitCodes[outcome];
}

/**
 * What an operator at 3 a.m. needs after a failed upgrade: whether clients are
 * being turned away right now (a maintenance the run entered and never ended),
 * and the one command that shows the way back with its cost before anything
 * happens. The step's own hint says how to fix the cause.
 */
export function wayOut(kind: string, steps: readonly { kind: string; status: string }[], cluster: string, runId: string): string {
  const status = (k: string) => steps.find((s) => s.kind === k)?.status;
  const inMaintenance = status('lb.maintenance') === 'succeeded' && status('lb.end-maintenance') !== 'succeeded';
  const now = inMaintenance ? 'The load balancer is still in maintenance: every client gets 503 with Retry-After. ' : '';
  if (kind !== 'upgrade') return `${now}Look at the run (keyturn runs show ${runId}), fix the cause, then start the rollback again.\n`;
  return `${now}The way back and what it costs: keyturn rollback --cluster ${cluster} --plan (then --confirm to take it).\n`;
}

const sessionPolicies = sessionPolicySchema.options;

/** `--session-policy`, checked before any work: a typo must not fall back to the default on a production restore. */
export function parseSessionPolicy(value: string | undefined): SessionPolicy | undefined {
  if (value === undefined) return undefined;
  const parsed = sessionPolicySchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new KeyturnError('invalid-input', `--session-policy: '${value}' is not a session policy; the allowed values are ${sessionPolicies.join(', ')}.`,
    'Use --session-policy drop-online (default: drop the sessions that were online at the backup, keep offline tokens), keep-all (keep every session) or drop-all (everyone logs in again).');
}

export function registerUpgradeCommands(program: Command, ctx: CliContext): void {
  program
    .command('upgrade')
    .description("upgrade a cluster as planned: Keycloak's update-compatibility check decides which strategies may run (rolling on 0; blue/green and recreate for any change)")
    .requiredOption('--cluster <name>', 'registered cluster')
    .requiredOption('--to <version>', 'target Keycloak version')
    .option('--strategy <strategy>', 'rolling | blue-green | recreate | auto (auto: the recommended strategy, when Keyturn can run it)', 'auto')
    .option('--promote <mode>', 'blue/green: manual (the run pauses at the promotion gate; exit 8, then keyturn runs resume) or auto; default manual for production')
    .option('--freeze <on|off>', 'blue/green: refuse writes on the old side from the clone point to the switch (on), or count them (off); default on for production when its load balancer can freeze')
    .option('--sessions <policy>', "blue/green: what the copy keeps of the sessions it carries: keep (default), drop-online or drop-all")
    .option('--plan <id>', 'run this approved plan (from keyturn plan) instead of planning again; refused when stale')
    .option('--canary', 'pause after the first node (rolling)')
    .option('--yes', 'confirm: required, this changes the cluster')
    .option('--json', 'print the run as JSON at the end')
    .option('--verbose', 'print every event')
    .action(async (o: { cluster: string; to: string; strategy: string; plan?: string; promote?: string; freeze?: string; sessions?: string; canary?: boolean; yes?: boolean; json?: boolean; verbose?: boolean }) => {
      await ctx.run(o.json, async (scope) => {
        if (!o.yes) throw new KeyturnError('invalid-input', `Upgrading '${o.cluster}' to ${o.to} changes the cluster.`, `Look at the plan first (keyturn plan --cluster ${o.cluster} --to ${o.to}), then add --yes.`);
        if (!['rolling', 'recreate', 'blue-green', 'auto'].includes(o.strategy)) {
          throw new KeyturnError('invalid-input', `--strategy: '${o.strategy}' is not a strategy Keyturn runs.`, 'Use --strategy rolling, blue-green, recreate or auto.');
        }
        const promote = o.promote === undefined ? undefined : parsePromote(o.promote);
        const freeze = o.freeze === undefined ? undefined : parseFreeze(o.freeze);
        const sessions = o.sessions === undefined ? undefined : parseSessions(o.sessions);
        // Validate the flags with the console's own schemas before any work (planning runs kc.sh for a minute).
        const probe = planCalls['plan:compute'].input.safeParse({ cluster: o.cluster, to: o.to, ...(promote ? { promote } : {}), ...(freeze ? { freeze } : {}), ...(sessions ? { sessions } : {}) });
        if (!probe.success) {
          const i = probe.error.issues[0];
          throw new KeyturnError('invalid-input', `--${String(i?.path[0] ?? 'input')}: ${i?.message ?? 'invalid'}.`, 'Check the flags: --cluster NAME --to X.Y.Z --strategy rolling|recreate|auto.');
        }
        // A held lock is known now, before a minute of planning.
        scope.services.upgrades.assertFree(o.cluster);
        const plan = o.plan ? scope.services.plan.get(o.plan) : await scope.services.plan.compute(probe.data);
        if (plan.cluster !== o.cluster || plan.to !== o.to) {
          throw new KeyturnError('invalid-input', `Plan ${o.plan} is for '${plan.cluster}' -> ${plan.to}, not '${o.cluster}' -> ${o.to}.`, 'Give the plan of this cluster and version, or leave --plan out to plan again.');
        }
        const planned = plan.strategies.find((s) => s.name === 'blue-green')?.steps.find((s) => s.kind === 'promotion.gate')?.params?.promote;
        if (promote && o.plan && planned !== promote) {
          throw new KeyturnError('invalid-input', `Plan ${o.plan} promotes ${String(planned)}, not ${promote}: the run does what the approved plan says.`, `Plan again with the promotion you want: keyturn plan --cluster ${o.cluster} --to ${o.to} --promote ${promote}.`);
        }
        const froze = plan.strategies.find((s) => s.name === 'blue-green')?.steps.some((s) => s.kind === 'lb.freeze') ?? false;
        if (freeze && o.plan && froze !== (freeze === 'on')) {
          throw new KeyturnError('invalid-input', `Plan ${o.plan} ${froze ? 'freezes' : 'does not freeze'} writes, not --freeze ${freeze}: the run does what the approved plan says.`, `Plan again with the freeze you want: keyturn plan --cluster ${o.cluster} --to ${o.to} --freeze ${freeze}.`);
        }
        // A plan made before the policy existed keeps every session (its restore drops none).
        const plannedSessions = plan.strategies.find((s) => s.name === 'blue-green')?.steps.find((s) => s.kind === 'green.restore')?.params?.sessionPolicy ?? 'keep-all';
        if (sessions && o.plan && plannedSessions !== sessions) {
          throw new KeyturnError('invalid-input', `Plan ${o.plan} keeps sessions ${String(plannedSessions)}, not ${sessions}: the run does what the approved plan says.`, `Plan again with the sessions you want: keyturn plan --cluster ${o.cluster} --to ${o.to} --sessions ${sessions}.`);
        }
        const strategy = o.strategy === 'auto' ? plan.recommended : o.strategy;
        const chosen = plan.strategies.find((s) => s.name === strategy);
        if (!strategy || !chosen?.executable) throw strategyRefusal(plan, strategy ?? o.strategy);
        const parsed = upgradeCalls['upgrade:start'].input.safeParse({ plan: plan.runId, strategy, canary: o.canary ?? false });
        if (!parsed.success) throw new KeyturnError('invalid-input', `--strategy: ${strategy} is not executable.`, 'Use --strategy rolling, blue-green or recreate.');
        if (!o.json) scope.io.err(`plan ${plan.runId}: ${strategy}, ${chosen.downtime.text}\n`);
        const input = parsed.data;
        await follow(scope, ctx, () => scope.services.upgrades.start(input), o.json ?? false, o.verbose ?? false);
      });
    });

  program
    .command('rollback')
    .description("undo the cluster's last upgrade: the old version back node by node, or a restore when the schema changed")
    .requiredOption('--cluster <name>', 'registered cluster')
    .option('--plan', 'only show what the rollback would do and cost')
    .option('--confirm', 'confirm a rollback that restores the database (downtime, lost writes)')
    .option('--keep-green', 'a blue/green run stopped before its switch: keep the colour it built for inspection instead of destroying it')
    .option('--session-policy <policy>', `what a restore does with the restored sessions: ${sessionPolicies.join(' | ')} (default drop-online: sessions logged out since the backup stay out, offline tokens stay)`)
    .option('--sessions <policy>', 'the same as --session-policy, with the names of keyturn upgrade: keep, drop-online or drop-all')
    .option('--json', 'print JSON')
    .option('--verbose', 'print every event')
    .action(async (o: { cluster: string; plan?: boolean; confirm?: boolean; keepGreen?: boolean; sessionPolicy?: string; sessions?: string; json?: boolean; verbose?: boolean }) => {
      await ctx.run(o.json, async (scope) => {
        if (o.sessionPolicy !== undefined && o.sessions !== undefined) throw new KeyturnError('invalid-input', '--sessions and --session-policy say the same thing; give one.', 'Keep --sessions keep|drop-online|drop-all.');
        const policy = o.sessions !== undefined ? parseSessions(o.sessions) : parseSessionPolicy(o.sessionPolicy);
        if (o.plan) {
          const p = await scope.services.rollbacks.plan(o.cluster, policy, o.keepGreen === true);
          if (o.json) return printJson(scope.io, p);
          const predicted = p.predictedDowntimeSeconds === null ? '' : `Predicted downtime: about ${p.predictedDowntimeSeconds} s (${p.predictedDowntimeBasis})\n`;
          const sessions = p.sessionPolicy ? `Sessions: ${p.sessionPolicy}\n` : policy ? 'Sessions: untouched (nothing is restored; --session-policy applies to a restore only)\n' : '';
          scope.io.out(`Rollback of ${p.cluster}: ${p.fromVersion} -> ${p.toVersion} (${p.mode})\n${p.explanation}\nDowntime: ${p.downtime}\n${predicted}Lost writes: ${p.lostWrites}\n${sessions}${p.steps.map((s) => `  - ${s}`).join('\n')}\n`);
          return;
        }
        await follow(scope, ctx, () => scope.services.rollbacks.start(o.cluster, o.confirm ?? false, policy, o.keepGreen === true), o.json ?? false, o.verbose ?? false);
      });
    });

  const runs = program.commands.find((c) => c.name() === 'runs') ?? program.command('runs');
  runs
    .command('pause')
    .argument('<id>')
    .description('pause a running run at the next node boundary')
    .action(async (id: string) => {
      await ctx.run(false, async ({ services, io }) => {
        services.upgrades.pause(id);
        io.out(`Pause requested for run ${id}: it stops before the next node.\n`);
      });
    });
  runs
    .command('abort')
    .argument('<id>')
    .description('stop a run after its current step')
    .action(async (id: string) => {
      await ctx.run(false, async ({ services, io }) => {
        services.upgrades.abort(id);
        io.out(`Abort requested for run ${id}: it stops after its current step.\n`);
      });
    });
  runs
    .command('resume')
    .argument('<id>')
    .description('continue a paused or interrupted run after reconciling the real state')
    .option('--json', 'print the run as JSON at the end')
    .option('--verbose', 'print every event')
    .action(async (id: string, o: { json?: boolean; verbose?: boolean }) => {
      await ctx.run(o.json, async (scope) => {
        await follow(scope, ctx, () => scope.services.upgrades.resume(id), o.json ?? false, o.verbose ?? false);
      });
    });
}
