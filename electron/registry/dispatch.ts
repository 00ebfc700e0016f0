/**
 * The single path every call takes, whatever the transport (Electron IPC,
 * browser bridge, tests): find the channel in the contract, parse the input
 * with its schema, run the handler, wrap the result in the envelope.
 *
 * A bad payload becomes `invalid-input` with per-field issues; a throw becomes
 * a typed error. Nothing a renderer sends can crash main.
 */
import { contract, type CallOutput, type Channel, type Envelope, type ParsedInput } from '../../shared/contract/index.ts';
import { KeyturnError, toErrorShape } from '../../shared/errors.ts';

/** Per-call context: who is calling, for audit and for the sender check. */
export interface CallContext {
  transport: 'ipc' | 'bridge' | 'cli' | 'test';
}

export type Handler<C extends Channel> = (input: ParsedInput<C>, ctx: CallContext) => Promise<CallOutput<C>> | CallOutput<C>;
export type Handlers = { [C in Channel]: Handler<C> };

/** Field-level issues as the renderer shows them beside each field. */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

const isChannel = (c: unknown): c is Channel => typeof c === 'string' && Object.hasOwn(contract, c);

/** Validates and runs one call. Never throws. */
export async function dispatch(handlers: Handlers, channel: unknown, rawInput: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
  if (!isChannel(channel)) {
    const name = typeof channel === 'string' ? channel.slice(0, 64) : typeof channel;
    return { ok: false, error: { code: 'unknown-channel', message: `There is no call named '${name}'.`, hint: 'The console and Keyturn may be different versions; restart Keyturn.' } };
  }
  const def = contract[channel];
  const parsed = def.input.safeParse(rawInput ?? undefined);
  if (!parsed.success) {
    const issues: FieldIssue[] = parsed.error.issues.slice(0, 50).map((i) => ({
      path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
      message: i.message.slice(0, 500),
    }));
    const first = issues[0];
    const where = first && first.path.length ? `${first.path.join('.')}: ` : '';
    return {
      ok: false,
      error: {
        code: 'invalid-input',
        message: `Invalid input for ${channel}: ${where}${first?.message ?? 'malformed'}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}.`,
        hint: 'Correct the fields marked and submit again. Nothing was saved.',
        details: { issues },
      },
    };
  }
  try {
    const handler = handlers[channel] as Handler<Channel>;
    const data = await handler(parsed.data as ParsedInput<Channel>, ctx);
    return { ok: true, data };
  } catch (err) {
    return { ok: false, error: toErrorShape(err) };
  }
}

/** Calls through the registry and throws the typed error: for the CLI and tests. */
export async function invoke<C extends Channel>(handlers: Handlers, channel: C, input: unknown, ctx: CallContext = { transport: 'cli' }): Promise<CallOutput<C>> {
  const r = await dispatch(handlers, channel, input, ctx);
  if (!r.ok) throw new KeyturnError(r.error.code, r.error.message, r.error.hint, r.error.details);
  return r.data as CallOutput<C>;
}
