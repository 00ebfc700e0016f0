/**
 * The headless `keyturn` command, on the same services and registry as the
 * console. Exit codes (README, "Exit codes"): 0 ok (for a command that waits
 * for a run: the run succeeded), 1 unexpected, 2 bad input or usage, 3 not
 * found, 4 conflict or busy, 5 ledger refused, 6 tool missing, 7 an operation
 * failed (also a run that failed), 8 a run paused, 9 a run aborted
 * (`runExitCodes` in upgrade-commands.ts).
 */
import { Command, CommanderError } from 'commander';
import { appVersion } from '../services/app-version.ts';
import { registerBackupCommands } from './backup-commands.ts';
import { registerClusterCommands } from './cluster-commands.ts';
import { createCliContext } from './context.ts';
import { registerLedgerCommands } from './ledger-commands.ts';
import { registerLabCommands } from './lab-commands.ts';
import { registerPlanCommands } from './plan-commands.ts';
import { processIo, type Io } from './output.ts';
import { registerReportCommand } from './report-command.ts';
import { registerStandbyCommands } from './standby-commands.ts';
import { registerToolchainCommands } from './toolchain-commands.ts';
import { registerTrustCommands } from './trust-commands.ts';
import { registerUpgradeCommands } from './upgrade-commands.ts';

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const ctx = createCliContext(io);
  const program = new Command('keyturn')
    .description('Upgrade Keycloak clusters with zero downtime, and roll them back.')
    .version(appVersion())
    // options after a subcommand belong to it: `lab up --version 26.7.0` is Keycloak's version, not ours
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerClusterCommands(program, ctx);
  registerTrustCommands(program.commands.find((c) => c.name() === 'cluster')!, ctx);
  registerLedgerCommands(program, ctx);
  registerToolchainCommands(program, ctx);
  registerLabCommands(program, ctx);
  registerPlanCommands(program, ctx);
  registerBackupCommands(program, ctx);
  registerUpgradeCommands(program, ctx);
  registerReportCommand(program, ctx);
  registerStandbyCommands(program, ctx);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  for (const c of program.commands.flatMap((c) => c.commands)) c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      ctx.close();
      // help and version exit 0; every other commander complaint is a usage error
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
    }
    throw err;
  } finally {
    ctx.close();
  }
  return ctx.exitCode;
}
