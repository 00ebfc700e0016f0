/**
 * The one contract between the renderer and main: every call and the event
 * stream. Electron IPC, the browser bridge, preload and the renderer's client
 * are all derived from `contract`, so a channel cannot exist on one side only.
 */
import type { z } from 'zod';
import { appCalls } from './app.ts';
import { backupCalls } from './backups.ts';
import { clusterCalls } from './clusters.ts';
import { standbyCalls } from './colours.ts';
import { labCalls } from './lab.ts';
import { planCalls } from './plan.ts';
import { probeCalls } from './probe.ts';
import { reportCalls } from './report.ts';
import { runCalls, runEventSchema } from './runs.ts';
import { toolchainCalls } from './toolchain.ts';
import { upgradeCalls } from './upgrade.ts';
import type { Envelope } from './define.ts';

export const contract = {
  ...appCalls,
  ...clusterCalls,
  ...runCalls,
  ...toolchainCalls,
  ...labCalls,
  ...backupCalls,
  ...probeCalls,
  ...planCalls,
  ...upgradeCalls,
  ...standbyCalls,
  ...reportCalls,
} as const;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type CallInput<C extends Channel> = z.input<Contract[C]['input']>;
export type ParsedInput<C extends Channel> = z.output<Contract[C]['input']>;
export type CallOutput<C extends Channel> = z.output<Contract[C]['output']>;

/** Every channel name, e.g. for preload to build its named functions. */
export const channels = Object.keys(contract) as Channel[];

/** The only push channel: run events, tagged `{runId, seq}`. */
export const eventChannel = 'runs:event' as const;
export const eventSchema = runEventSchema;

/**
 * The shape of `window.keyturn`: `clusters:list` becomes `keyturn.clusters.list(input)`.
 * Named functions rather than a generic `invoke(channel)` so the renderer can't
 * reach anything the contract doesn't declare.
 */
type Domain<C extends string> = C extends `${infer D}:${string}` ? D : never;
type Verb<C extends string, D extends string> = C extends `${D}:${infer V}` ? V : never;
type CallFn<C extends Channel> = (input?: CallInput<C>) => Promise<Envelope<CallOutput<C>>>;
export type KeyturnApi = {
  [D in Domain<Channel>]: {
    [V in Verb<Channel, D>]: CallFn<Extract<`${D}:${V}`, Channel>>;
  };
} & {
  onEvent(listener: (event: z.output<typeof runEventSchema>) => void): () => void;
};

/** Splits `clusters:list` into `['clusters', 'list']`. */
export function splitChannel(channel: string): [string, string] {
  const i = channel.indexOf(':');
  return [channel.slice(0, i), channel.slice(i + 1)];
}

export type { Envelope } from './define.ts';
export * from './app.ts';
export * from './clusters.ts';
export * from './runs.ts';
export * from './toolchain.ts';
export * from './lab.ts';
export * from './upgrade.ts';
export * from './backups.ts';
export * from './probe.ts';
export * from './plan.ts';
export * from './common.ts';
export * from './report.ts';
export * from './colours.ts';
