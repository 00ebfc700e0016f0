/**
 * `keyturn backup create|list|verify`: the same backups the engine takes
 * before an upgrade, by hand; `backup retained|prune`: the databases a
 * restore replaced and kept, and their explicit removal. Exit codes follow
 * `exitCodeFor`: 2 a prune without --confirm, 3 unknown cluster, backup or
 * kept database, 4 a kept database still in use, 6 pg_dump/pg_restore/psql
 * missing, 7 the dump, restore or integrity check failed.
 */
import type { Command } from 'commander';
import type { Backup, RetainedDatabase } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { invoke } from '../registry/dispatch.ts';
import type { CliContext } from './context.ts';
import { printJson, table } from './output.ts';

/** 1536 -> "1.5 KiB": sizes people can compare at a glance. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

const changelogText = (b: Backup) => (!b.changelog ? '-' : b.changelog.present ? `${b.changelog.count} (${b.changelog.last?.id ?? '?'})` : 'none');
const verifiedText = (b: Backup) => (b.verifiedAt ? b.verifiedAt : b.lastVerification && !b.lastVerification.ok ? 'FAILED' : 'no');

export function registerBackupCommands(program: Command, ctx: CliContext): void {
  const backup = program.command('backup').description("back up a cluster's database (pg_dump) and verify backups");

  backup
    .command('create')
    .description("dump the cluster's database now (custom format, 0600, sha256 recorded)")
    .requiredOption('-c, --cluster <name>', 'registered cluster')
    .option('--json', 'print the backup as JSON')
    .action(async (o: { cluster: string; json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const b = await invoke(handlers, 'backups:create', { cluster: o.cluster });
        if (o.json) return printJson(io, b);
        const db = b.database;
        io.out(`Backed up cluster '${b.clusterName}'${db ? ` (${db.user}@${db.host}:${db.port}/${db.name})` : ''}\n`);
        io.out(`  id         ${b.id}\n  file       ${b.path}\n  size       ${formatBytes(b.size)}\n  sha256     ${b.sha256}\n  changelog  ${changelogText(b)}\n`);
        io.out(`Verify it restores: keyturn backup verify ${b.id}\n`);
      });
    });

  backup
    .command('list')
    .description("list a cluster's backups, newest first")
    .requiredOption('-c, --cluster <name>', 'registered cluster')
    .option('--json', 'print JSON')
    .action(async (o: { cluster: string; json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const list = await invoke(handlers, 'backups:list', { cluster: o.cluster });
        if (o.json) return printJson(io, list);
        if (list.length === 0) return io.out(`No backups of '${o.cluster}' yet. Take one with: keyturn backup create --cluster ${o.cluster}\n`);
        table(io, ['ID', 'CREATED', 'KEYCLOAK', 'SIZE', 'CHANGELOG', 'VERIFIED', 'FILE'],
          list.map((b) => [b.id, b.createdAt, b.keycloakVersion, formatBytes(b.size), changelogText(b), verifiedText(b), b.path]));
      });
    });

  backup
    .command('verify')
    .description('check the sha256, restore into a scratch database on the same server, run sanity queries, drop it')
    .argument('<id>', 'backup id (keyturn backup list)')
    .option('--json', 'print the verified backup as JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const b = await invoke(handlers, 'backups:verify', { id });
        if (o.json) return printJson(io, b);
        const v = b.lastVerification;
        io.out(`Backup ${b.id} verified: sha256 matches, it restores, ${v?.realms ?? 0} realm(s), ${v?.changelogRows ?? 0} change set(s)${v?.changelogMatches ? ' (same changelog as recorded)' : ''}, in ${((v?.durationMs ?? 0) / 1000).toFixed(1)} s.\n`);
      });
    });

  backup
    .command('retained')
    .description('databases a restore replaced, kept under a dated name until pruned')
    .requiredOption('-c, --cluster <name>', 'registered cluster')
    .option('--json', 'print JSON')
    .action(async (o: { cluster: string; json?: boolean }) => {
      await ctx.run(o.json, async ({ handlers, io }) => {
        const kept = await invoke(handlers, 'backups:retained', { cluster: o.cluster });
        if (o.json) return printJson(io, kept);
        if (kept.length === 0) return io.out(`No kept databases for '${o.cluster}'.\n`);
        table(io, ['NAME', 'SERVER', 'KEPT SINCE', 'WHY'], kept.map((k) => [k.name, `${k.host}:${k.port}`, k.createdAt, k.reason]));
        io.out(`Drop them with: keyturn backup prune --cluster ${o.cluster} --confirm [--name NAME ...]\n`);
      });
    });

  backup
    .command('prune')
    .description('drop kept databases (all, or those named with --name); needs --confirm')
    .requiredOption('-c, --cluster <name>', 'registered cluster')
    .option('--name <name...>', 'kept database(s) to drop (default: all of them)')
    .option('--confirm', 'really drop them: without it, prints what would be dropped and exits 2')
    .option('--json', 'print the dropped databases as JSON')
    .action(async (o: { cluster: string; name?: string[]; confirm?: boolean; json?: boolean }) => {
      await ctx.run(o.json, async ({ services, io }) => {
        const names = o.name ?? [];
        if (!o.confirm) {
          const kept = services.backups.retained(o.cluster);
          const unknown = names.filter((n) => !kept.some((k) => k.name === n));
          if (unknown.length) throw new KeyturnError('not-found', `Cluster '${o.cluster}' has no kept database named ${unknown.join(', ')}.`, `List them with: keyturn backup retained --cluster ${o.cluster}`);
          const chosen = names.length ? kept.filter((k) => names.includes(k.name)) : kept;
          const list = chosen.map((k: RetainedDatabase) => `${k.name} (${k.host}:${k.port}, kept since ${k.createdAt})`);
          throw new KeyturnError('invalid-input', chosen.length ? `Would drop ${chosen.length} kept database(s) of '${o.cluster}': ${list.join('; ')}. Nothing was dropped.` : `'${o.cluster}' has no kept databases; nothing to drop.`,
            `Their data is gone once dropped. To go ahead: keyturn backup prune --cluster ${o.cluster}${names.map((n) => ` --name ${n}`).join('')} --confirm`, { wouldDrop: chosen.map((k) => k.name) });
        }
        const dropped = await services.backups.pruneRetained(o.cluster, names);
        if (o.json) return printJson(io, dropped);
        if (dropped.length === 0) return io.out(`'${o.cluster}' has no kept databases; nothing was dropped.\n`);
        for (const d of dropped) io.out(`Dropped ${d.name} (${d.host}:${d.port}) at ${d.droppedAt ?? '?'}\n`);
      });
    });
}
