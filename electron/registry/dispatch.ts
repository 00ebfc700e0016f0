/**
 * The single path every call takes, whatever the transport (Electron IPC,
 * browser bridge, tests): find the channel in the contract, parse the input
 * with its schema, run the handler, wrap the result in the envelope.
 *
 * A bad payload becomes `invalid-input` with per-field issues; a throw becomes
 * a typed error. Nothing a renderer sends can crash main. A payload over
 * `maxCallPayloadBytes` (about 1 MiB) is refused before the schema sees it.
 */
import { contract, maxCallPayloadBytes, type CallOutput, type Channel, type Envelope, type ParsedInput } from '../../shared/contract/index.ts';
import { KeyturnError, toErrorShape } from '../../shared/errors.ts';
import { maxPayloadDepth, measurePayload } from './payload-size.ts';

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
  const size = measurePayload(rawInput, maxCallPayloadBytes);
  if (!size.ok) {
    const limit = `${maxCallPayloadBytes / 1024 / 1024} MiB`;
    return {
      ok: false,
      error: {
        code: 'invalid-input',
        message: size.reason === 'too-large'
          ? `The input for ${channel} is larger than ${limit}, the most one call may carry.`
          : size.reason === 'too-deep'
            ? `The input for ${channel} is nested more than ${maxPayloadDepth} levels deep (or refers to itself).`
            : `The input for ${channel} holds a value JSON cannot carry (a date, map, set, binary buffer, function or big integer).`,
        hint: 'Send only the fields the call takes, with shorter values. Nothing was saved.',
        details: { limitBytes: maxCallPayloadBytes, reason: size.reason },
      },
    };
  }
  const def = contract[channel];
  let parsed: ReturnType<typeof def.input.safeParse>;
  try {
    parsed = def.input.safeParse(rawInput ?? undefined);
  } catch {
    // zod itself threw (an exotic object only a test can build): still an answer, not a crash
    return { ok: false, error: { code: 'invalid-input', message: `The input for ${channel} could not be read.`, hint: 'Send plain JSON values only. Nothing was saved.' } };
  }
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
