/**
 * The write freeze's steps (shared/domain/write-freeze.ts): the serving
 * colour's HAProxy refuses the writes a copy would lose from the clone point
 * to the switch, and accepts them again after. Both are idempotent: the ACL
 * read back says whether the freeze is on, so a resumed run converges.
 */
import type { Colour } from '../../../shared/contract/colours.ts';
import { KeyturnError } from '../../../shared/errors.ts';
import { freezePatterns, freezeSummary } from '../../../shared/domain/write-freeze.ts';
import { liveColour } from '../../ledger/colours-repo.ts';
import { freezeState, freezeWrites, thawWrites } from '../../tools/haproxy-freeze.ts';
import { param, type StepContext, type StepImpl } from '../engine-context.ts';

interface FreezeTarget { colour: Colour; runtimeApi: string; aclFile: string | null }

/**
 * Where the colour's freeze lives: the cluster record while that colour is
 * the active one (the record describes what serves, and is what the operator
 * edits), else the colour's own record (a standby, after a promotion).
 */
function freezeTarget(ctx: StepContext): FreezeTarget {
  const colour = param(ctx, 'freezeColour');
  if (colour !== 'blue' && colour !== 'green') throw new KeyturnError('internal', `Step parameter 'freezeColour' is '${colour}', not a colour.`, 'Abort the run and plan again.');
  const record = liveColour(ctx.deps.db, ctx.cluster.id, colour);
  if (record && record.role !== 'active') return { colour, runtimeApi: record.deployment.loadBalancer.runtimeApi, aclFile: record.deployment.loadBalancer.freezeAclFile ?? null };
  const lb = ctx.cluster.spec.loadBalancer;
  if (!lb) throw new KeyturnError('invalid-input', `Cluster '${ctx.cluster.name}' has no load balancer to freeze writes on.`, 'Add loadBalancer: { kind: haproxy, runtimeApi, backend, freeze: { aclFile } } to the cluster, or plan with --freeze off.');
  return { colour, runtimeApi: lb.runtimeApi, aclFile: lb.freeze?.aclFile ?? null };
}

const patterns = freezePatterns.map((p) => p.pattern);

/** Refuses the writes a copy would lose on the serving colour's load balancer, read back. */
export const freezeStep: StepImpl = async (ctx) => {
  const t = freezeTarget(ctx);
  if (!t.aclFile) {
    throw new KeyturnError('invalid-input', `${t.colour}'s load balancer has no write freeze configured (loadBalancer.freeze.aclFile).`,
      'Add the freeze lines to its HAProxy frontend and loadBalancer.freeze: { aclFile } to the cluster (docs/write-freeze.md), or plan again with --freeze off. Nothing was changed.');
  }
  const r = await freezeWrites(t.runtimeApi, t.aclFile, patterns, { signal: ctx.signal });
  ctx.rec.event('engine', 'freeze.on', 'warn', { message: `Writes frozen on ${t.colour}'s load balancer${r.changed ? '' : ' (already frozen)'}: ${freezeSummary()}`, colour: t.colour, patterns: r.patterns.length, at: new Date().toISOString() });
};

/** Accepts writes again; a load balancer without a freeze has nothing to end. */
export const thawStep: StepImpl = async (ctx) => {
  const t = freezeTarget(ctx);
  if (!t.aclFile) {
    ctx.rec.event('engine', 'freeze.off', 'info', { message: `${t.colour}'s load balancer has no write freeze: nothing to end`, colour: t.colour });
    return;
  }
  const r = await thawWrites(t.runtimeApi, t.aclFile, { signal: ctx.signal });
  ctx.rec.event('engine', 'freeze.off', 'info', { message: `Writes accepted again on ${t.colour}'s load balancer${r.changed ? '' : ' (it was not frozen)'}`, colour: t.colour, at: new Date().toISOString() });
};

/**
 * At the promotion gate: whether the freeze still holds. HAProxy loses it on
 * a reload or restart (writes accepted since, which the lost-write count
 * then names); said as a warning, never fatal: the decision is the operator's.
 */
export async function recordFreezeHolds(ctx: StepContext, colour: Colour): Promise<void> {
  try {
    const t = freezeTarget({ ...ctx, params: { ...ctx.params, freezeColour: colour } });
    if (!t.aclFile) return;
    const active = await freezeState(t.runtimeApi, t.aclFile, { signal: ctx.signal });
    const held = patterns.every((p) => active.includes(p));
    ctx.rec.event('engine', 'freeze.checked', held ? 'info' : 'warn', { message: held ? `The write freeze on ${colour} holds` : `The write freeze on ${colour} no longer holds (HAProxy reloaded or restarted?): writes were accepted since, counted below`, colour, held });
  } catch (err) {
    ctx.rec.event('engine', 'freeze.checked', 'warn', { message: `Keyturn could not read the write freeze on ${colour}: ${(err as Error).message}`, colour, held: null });
  }
}
