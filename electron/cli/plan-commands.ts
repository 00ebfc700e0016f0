/**
 * `keyturn plan --cluster C --to V [--set k=v ...] [--unset k ...] [--features ...] [--features-disabled ...] [--json]`,
 * `keyturn plan versions` and `keyturn plan metadata`.
 *
 * kc.sh's output streams to stderr while the check runs (as in the console's
 * Pre-flight step); the plan goes to stdout. A check that failed (exit 1 or
 * 2) still prints the plan with kc.sh's output, and exits 7 so scripts never
 * mistake it for an answer.
 */
import type { Command } from 'commander';
import type { Plan, RunEvent } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { invoke } from '../registry/dispatch.ts';
import type { EventBus } from '../runs/event-bus.ts';
import type { CliContext } from './context.ts';
import { printJson, table, type Io } from './output.ts';

const collect = (value: string, previous: string[]) => [...previous, value];
const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean);

/** `--set cache-stack=tcp` -> `{ 'cache-stack': 'tcp' }`; a leading `--` on the key is tolerated. */
export function parseSet(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new KeyturnError('invalid-input', `--set ${item} is not key=value.`, 'Write options as kc.sh names them without dashes, e.g. --set cache-stack=jdbc-ping.');
    out[item.slice(0, eq).replace(/^--/, '')] = item.slice(eq + 1);
  }
  return out;
}

const shown = /^(step\.|run\.|plan\.|kcsh\.)/;

/** Prints the plan run's progress and kc.sh's lines on stderr as they happen. */
function followRun(bus: EventBus, io: Io, verbose: boolean, quiet: boolean): () => void {
  return bus.subscribe((e: RunEvent) => {
    const isKcsh = e.kind === 'kcsh.line';
    if (quiet && !verbose && e.level !== 'error') return;
    if (!verbose && ((!shown.test(e.kind) && e.level !== 'error') || e.level === 'debug')) return;
    const msg = typeof e.data.message === 'string' ? e.data.message : e.kind;
    io.err(isKcsh ? `  kc.sh${e.node ? ` [${e.node}]` : ''} | ${msg}\n` : `${e.at.slice(11, 19)} ${e.source.padEnd(7)}${e.node ? ` [${e.node}]` : ''} ${msg}\n`);
  });
}

function printPlan(io: Io, p: Plan): void {
  const c = p.check;
  io.out(`Plan for ${p.cluster}: ${p.change.label}\n`);
  io.out(`check     kc.sh update-compatibility check exited ${c.exitCode} (${c.verdict}) in ${(c.durationMs / 1000).toFixed(1)} s, scratch copy ${c.scratch}\n`);
  io.out(`metadata  ${c.metadataSource === 'node' ? `from node ${c.metadataNode}` : 'computed locally (no node reachable)'}, taken ${c.metadataTakenAt}\n`);
  if (p.options.changed.length) io.out(`options   ${p.options.changed.map((o) => `${o.key}: ${o.from ?? '(unset)'} -> ${o.to ?? '(unset)'}`).join('; ')}\n`);
  if (c.verdict === 'error') io.out(`\nkc.sh output:\n${c.output.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
  if (p.reasons.length) {
    io.out('\nWhy\n');
    for (const r of p.reasons) io.out(`  - [${r.kind}${r.forcesRecreate ? ', forces recreate' : ''}] ${r.message}\n`);
  }
  io.out('\n');
  table(io, ['STRATEGY', 'AVAILABLE', 'DOWNTIME', 'WHY'], p.strategies.map((s) => [`${s.name}${s.recommended ? ' *' : ''}`, s.available ? 'yes' : 'no', s.downtime.seconds === 0 ? 'none' : `~${s.downtime.seconds} s`, s.why]));
  io.out(`\n${p.recommendation}\n`);
  const chosen = p.strategies.find((s) => s.recommended);
  if (!chosen) return;
  io.out(`\nSteps (${chosen.name})\n`);
  chosen.steps.forEach((s, i) => io.out(`  ${String(i + 1).padStart(2)}. ${s.title}\n`));
  io.out(`\nBackup    ${chosen.backup.what} ${chosen.backup.why}\n`);
  io.out(`Rollback  ${chosen.rollback.summary} Downtime: ${chosen.rollback.downtime.text} Lost: ${chosen.rollback.dataLoss}\n`);
}

/** `--promote`, checked before any work: a typo must not fall back to automatic promotion on production. */
export function parsePromote(value: string): 'manual' | 'auto' {
  if (value === 'manual' || value === 'auto') return value;
  throw new KeyturnError('invalid-input', `--promote: '${value}' is not a promotion mode.`, 'Use --promote manual (the run waits at the promotion gate until keyturn runs resume) or --promote auto (it switches once green passed its checks).');
}

/** `--freeze`, checked before any work: a typo must not silently run without the write freeze. */
export function parseFreeze(value: string): 'on' | 'off' {
  if (value === 'on' || value === 'off') return value;
  throw new KeyturnError('invalid-input', `--freeze: '${value}' is not on or off.`, 'Use --freeze on (blue\'s load balancer refuses writes that would be lost, from the clone point to the switch) or --freeze off (they are counted and named at the gate instead).');
}

/** `--sessions` for blue/green's copy: keep (keep-all), drop-online or drop-all, checked before any work. */
export function parseSessions(value: string): 'keep-all' | 'drop-online' | 'drop-all' {
  if (value === 'keep' || value === 'keep-all') return 'keep-all';
  if (value === 'drop-online' || value === 'drop-all') return value;
  throw new KeyturnError('invalid-input', `--sessions: '${value}' is not a session policy.`, 'Use --sessions keep (users stay signed in across the switch), drop-online (online sessions from the copy are dropped, offline tokens stay) or drop-all (everyone signs in again).');
}

export function registerPlanCommands(program: Command, ctx: CliContext): void {
  const plan = program
    .command('plan')
    .description("plan an upgrade or option change: Keycloak's update-compatibility answer, explained, with strategies")
    .option('--cluster <name>', 'registered cluster')
    .option('--to <version>', 'target Keycloak version (same version: an option change only)')
    .option('--set <key=value>', 'set a kc.sh option for the target (repeatable)', collect, [] as string[])
    .option('--unset <key>', 'remove a kc.sh option for the target (repeatable)', collect, [] as string[])
    .option('--features <list>', "the target's complete --features list, comma-separated ('' removes it)")
    .option('--features-disabled <list>', "the target's complete --features-disabled list ('' removes it)")
    .option('--refresh-metadata', 'take fresh metadata from a node even if the ledger has it')
    .option('--promote <mode>', 'blue/green promotion: manual (the run waits at the gate) or auto; default manual for production, auto elsewhere')
    .option('--freeze <on|off>', 'blue/green write freeze on the old side from the clone point to the switch; default on for production when its load balancer can freeze')
    .option('--sessions <policy>', "blue/green: what the copy keeps of the sessions it carries: keep (default), drop-online or drop-all")
    .option('--json', 'print the plan as JSON')
    .option('--verbose', 'print every run event')
    .action(async (o: { cluster?: string; to?: string; set: string[]; unset: string[]; features?: string; featuresDisabled?: string; refreshMetadata?: boolean; promote?: string; freeze?: string; sessions?: string; json?: boolean; verbose?: boolean }) => {
      await ctx.run(o.json, async ({ services, handlers, io }) => {
        if (!o.cluster || !o.to) throw new KeyturnError('invalid-input', 'keyturn plan needs --cluster and --to.', 'Example: keyturn plan --cluster lab --to 26.7.3 (list targets with: keyturn plan versions --cluster lab).');
        const input = {
          cluster: o.cluster,
          to: o.to,
          ...(o.set.length ? { set: parseSet(o.set) } : {}),
          ...(o.unset.length ? { unset: o.unset } : {}),
          ...(o.features !== undefined ? { features: list(o.features) } : {}),
          ...(o.featuresDisabled !== undefined ? { featuresDisabled: list(o.featuresDisabled) } : {}),
          ...(o.refreshMetadata ? { refreshMetadata: true } : {}),
          ...(o.promote !== undefined ? { promote: parsePromote(o.promote) } : {}),
          ...(o.freeze !== undefined ? { freeze: parseFreeze(o.freeze) } : {}),
          ...(o.sessions !== undefined ? { sessions: parseSessions(o.sessions) } : {}),
        };
        const stop = followRun(services.bus, io, o.verbose ?? false, o.json ?? false);
        let p: Plan;
        try {
          p = await invoke(handlers, 'plan:compute', input);
        } finally {
          stop();
        }
        if (o.json) printJson(io, p);
        else printPlan(io, p);
        // An error from kc.sh is shown, never taken for an answer.
        if (p.check.verdict === 'error') ctx.exitCode = 7;
      });
    });

  plan
    .command('versions')
    .description('target versions: the artifact store and what Maven publishes, relative to the cluster')
    .option('--cluster <name>', 'label versions relative to this cluster')
    .option('--refresh', "refresh Maven's metadata now")
    .option('--json', 'print JSON')
    .action(async (o: { cluster?: string; refresh?: boolean; json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const v = await invoke(handlers, 'plan:versions', { ...(o.cluster ? { cluster: o.cluster } : {}), ...(o.refresh ? { refresh: true } : {}) });
        if (o.json) return printJson(io, v);
        if (v.current) io.out(`current: ${v.current}\n`);
        if (v.offline) io.out(`offline: ${v.offlineReason ?? 'Maven not asked'} (local versions only)\n`);
        table(io, ['VERSION', 'CHANGE', 'STORED', 'DOWNLOADED'], v.versions.map((x) => [x.version, x.change ? `${x.change}${x.direction === 'down' ? ' downgrade' : x.direction === 'up' ? ' upgrade' : ''}` : null, x.stored ? 'yes' : 'no', x.downloaded ? 'yes' : 'no']));
      });
    });

  plan
    .command('metadata')
    .description('(re)capture update-compatibility metadata of the running deployment (a live node, or --local)')
    .requiredOption('--cluster <name>', 'registered cluster')
    .option('--node <name>', 'take it from this node (no fallback)')
    .option('--local', 'compute it locally from the artifact store with the recorded options')
    .option('--json', 'print JSON')
    .option('--verbose', 'print every run event')
    .action(async (o: { cluster: string; node?: string; local?: boolean; json?: boolean; verbose?: boolean }) => {
      await ctx.run(o.json, async ({ services, handlers, io }) => {
        const stop = followRun(services.bus, io, o.verbose ?? false, o.json ?? false);
        try {
          const m = await invoke(handlers, 'plan:metadata', { cluster: o.cluster, ...(o.node ? { node: o.node } : {}), ...(o.local ? { local: true } : {}) });
          if (o.json) printJson(io, m);
          else io.out(`Metadata of Keycloak ${m.version} (${m.source === 'node' ? `node ${m.node}` : 'local'}, ${(m.durationMs / 1000).toFixed(1)} s): ${m.path}\n`);
        } finally {
          stop();
        }
      });
    });
}
