/**
 * What every CLI command gets: the services (opened lazily, so `--help` never
 * touches the ledger), the handler registry and the output streams, plus
 * `run`, which turns a thrown error into a message, a hint and an exit code.
 */
import type { Handlers } from '../registry/dispatch.ts';
import { createHandlers } from '../registry/handlers.ts';
import { createServices, type Services } from '../registry/services.ts';
import { reportError, type Io } from './output.ts';

export interface CliScope {
  services: Services;
  handlers: Handlers;
  io: Io;
}

export interface CliContext {
  run(json: boolean | undefined, fn: (scope: CliScope) => Promise<void>): Promise<void>;
  exitCode: number;
  close(): void;
}

export function createCliContext(io: Io): CliContext {
  let scope: CliScope | null = null;
  const ctx: CliContext = {
    exitCode: 0,
    async run(json, fn) {
      try {
        if (!scope) {
          const services = createServices({ mode: 'cli' });
          scope = { services, handlers: createHandlers(services), io };
        }
        await fn(scope);
      } catch (err) {
        ctx.exitCode = reportError(io, err, json ?? false);
      }
    },
    close() {
      scope?.services.close();
    },
  };
  return ctx;
}
