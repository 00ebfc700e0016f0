/**
 * Blue/green's section of a run report: the clone point, the colour built and
 * its pinned host keys, the clone, the checks before promotion, the
 * promotion, the switch, how long the old colour still received requests,
 * the watch, a switch back, and the colours after. Read from the events the
 * blue/green steps record (electron/engine/steps/blue-green-steps.ts) and the
 * ledger's colour records, so a change board sees the same facts the run
 * wrote, without the cluster being reachable. A field an event lacks is null,
 * never guessed.
 */
import { colourSchema, idSchema, type Backup, type ClusterDetail, type ReportBlueGreen, type ReportStep, type RunEvent, type RunSummary } from '../../shared/contract/index.ts';
import type { Colour, ColourRecord } from '../../shared/contract/colours.ts';
import { listColours } from '../ledger/colours-repo.ts';
import type { Ledger } from '../ledger/open-ledger.ts';
import { stepParams } from '../ledger/runs-repo.ts';

/** Strategies (rollback modes) whose report carries the section. */
const blueGreenStrategies = new Set(['blue-green', 'switch-back']);

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const count = (v: unknown): number | null => { const n = num(v); return n !== null && n >= 0 ? Math.round(n) : null; };
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const colour = (v: unknown): Colour | null => { const c = colourSchema.safeParse(v); return c.success ? c.data : null; };
const id = (v: unknown): string | null => { const c = idSchema.safeParse(v); return c.success ? c.data : null; };
/** An event's time field as ISO 8601, null when missing or unreadable. */
const time = (v: unknown): string | null => { const s = str(v); return s && Number.isFinite(Date.parse(s)) ? new Date(Date.parse(s)).toISOString() : null; };
const other = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');
const promoteMode = (v: unknown): 'manual' | 'auto' | null => (v === 'manual' || v === 'auto' ? v : null);

export interface BlueGreenInput {
  db: Ledger;
  run: RunSummary;
  steps: readonly ReportStep[];
  events: readonly RunEvent[];
  cluster: ClusterDetail | null;
  /** The backup this run took (for a blue/green upgrade, the one it cloned from). */
  backup: Backup | null;
  /** Rollback runs that undid this run, with their events. */
  rollbacks: readonly { run: RunSummary; events: readonly RunEvent[] }[];
}

/** The section for a blue/green or switch-back run; null for any other strategy. */
export function blueGreenOf(i: BlueGreenInput): ReportBlueGreen | null {
  if (!i.run.strategy || !blueGreenStrategies.has(i.run.strategy)) return null;
  const mode = i.run.strategy === 'switch-back' ? 'switch-back' : 'upgrade';
  const of = (kind: string) => i.events.filter((e) => e.kind === kind);
  const last = (kind: string) => of(kind).at(-1);
  const step = (kind: string) => i.steps.find((s) => s.kind === kind);
  const firstParams = i.steps.length ? stepParams(i.db, i.run.id, i.steps[0]!.seq) : {};
  const built = colour(firstParams.colour);
  const serving = colour(firstParams.serving);

  const cp = last('backup.clone-point');
  const clonePointAt = time(cp?.data.clonePoint) ?? (cp && i.backup ? i.backup.createdAt : null);
  const backupId = id(cp?.data.backupId) ?? (cp ? (i.backup?.id ?? null) : null);
  const backup = i.backup && i.backup.id === backupId ? i.backup : null;
  const clonePoint = cp && backupId && clonePointAt
    ? { backupId, at: clonePointAt, verified: backup ? backup.verifiedAt !== null : true, verifiedAt: backup?.verifiedAt ?? null }
    : null;

  const records = i.cluster ? listColours(i.db, i.cluster.id, { includeDestroyed: true }) : [];
  const provisioned = last('colour.provisioned');
  const builtColour = colour(provisioned?.data.colour);
  // The record of the build: the colour with this run's clone point (a record's run id moves on with later switches).
  const record = builtColour ? (records.find((r) => r.colour === builtColour && clonePointAt !== null && r.clonePoint === clonePointAt) ?? records.find((r) => r.colour === builtColour && r.runId === i.run.id) ?? null) : null;

  const restored = last('colour.restored');
  const checkStepError = [step('green.verify'), step('green.smoke')].find((s) => s?.status === 'failed')?.error ?? null;
  const gate = step('promotion.gate');
  const afterGate = gate ? i.steps.find((s) => s.seq > gate.seq) : undefined;
  const promotedAt = gate?.status === 'succeeded' ? (afterGate?.startedAt ?? null) : null;

  const sw = of('traffic.switched').find((e) => e.data.changed === true) ?? last('traffic.switched');
  const switchAt = time(sw?.data.at) ?? (sw ? sw.at : null);
  const switchedTo = colour(sw?.data.to);
  const drained = last('traffic.drained');
  const watched = last('traffic.watched');
  const standby = last('standby.recorded');
  const active = colour(standby?.data.active);
  const kept = colour(standby?.data.standby);

  return {
    mode,
    colour: built,
    serving,
    clonePoint,
    built: provisioned && builtColour ? {
      colour: builtColour,
      provisionedAt: provisioned.at,
      nodes: builtNodes(of('colour.host-key'), record),
      loadBalancer: record ? `${record.deployment.loadBalancer.address}:${record.deployment.loadBalancer.port}` : null,
      database: record ? `${record.deployment.database.address}:${record.deployment.database.port}/${record.deployment.database.name}` : null,
    } : null,
    clone: restored ? { changeSets: count(restored.data.changeSets), jgroupsRowsCleared: count(restored.data.jgroupsRowsCleared), restored: bool(restored.data.restored) } : null,
    checks: {
      views: of('colour.view').flatMap((e) => { const c = colour(e.data.colour); return c ? [{ colour: c, at: e.at, message: str(e.data.message) ?? `${c}: one cluster of its own nodes` }] : []; }),
      smoke: of('colour.smoke').flatMap((e) => { const check = str(e.data.check); const ok = bool(e.data.ok); return check && ok !== null ? [{ check, ok, at: e.at, message: str(e.data.message) ?? `${check}: ${ok ? 'passed' : 'failed'}` }] : []; }),
      error: checkStepError,
    },
    promotion: gate ? {
      mode: promoteMode(stepParams(i.db, i.run.id, gate.seq).promote),
      waitedForOperator: of('promotion.waiting').length > 0,
      gateFinishedAt: gate.finishedAt,
      promotedAt,
      waitedSeconds: gate.finishedAt && promotedAt ? Math.round(Math.max(0, Date.parse(promotedAt) - Date.parse(gate.finishedAt)) / 100) / 10 : null,
    } : null,
    switch: sw && switchAt ? {
      at: switchAt,
      name: i.cluster?.spec.traffic.name ?? null,
      toColour: switchedTo,
      from: str(sw.data.previous),
      to: str(sw.data.now),
      changed: sw.data.changed === true,
    } : null,
    drain: drained ? {
      fromColour: colour(stepParams(i.db, i.run.id, step('traffic.drain')?.seq ?? -1).fromColour) ?? (switchedTo ? other(switchedTo) : null),
      lastRequestAfterSwitchSeconds: nonNegative(drained.data.lastRequestAfterSwitchSeconds),
      sessionsAfterSwitch: count(drained.data.sessionsAfterSwitch),
      stillReceiving: bool(drained.data.stillReceiving),
      waitedSeconds: nonNegative(drained.data.waitedSeconds),
    } : null,
    watch: watched && bool(watched.data.held) !== null ? {
      held: watched.data.held === true,
      requests: count(watched.data.requests) ?? 0,
      failed: count(watched.data.failed) ?? 0,
      failedByReason: reasonsOf(watched.data.reasons),
      watchedSeconds: nonNegative(watched.data.watchedSeconds),
      breach: str(watched.data.breach),
    } : null,
    switchBack: mode === 'upgrade' ? switchBackOf(last('traffic.switched-back'), watched, i.rollbacks) : null,
    coloursAfter: active && kept ? { active, standby: kept } : null,
    destroyed: [...new Set(of('colour.destroyed').flatMap((e) => { const c = colour(e.data.colour); return c ? [c] : []; }))],
    coloursNow: records.filter((r) => r.role !== 'destroyed').map((r) => ({ colour: r.colour, role: r.role, version: r.version, since: r.updatedAt, clonePoint: r.clonePoint })),
  };
}

const nonNegative = (v: unknown): number | null => { const n = num(v); return n !== null && n >= 0 ? n : null; };

function reasonsOf(v: unknown): Record<string, number> {
  if (!v || typeof v !== 'object') return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).flatMap(([k, n]) => { const c = count(n); return c === null ? [] : [[k, c]]; }));
}

/** The nodes pinned when the colour was created, in the order the run read them; addresses from the colour's record. */
function builtNodes(pins: readonly RunEvent[], record: ColourRecord | null): NonNullable<ReportBlueGreen['built']>['nodes'] {
  const fingerprints = new Map<string, string | null>();
  for (const e of pins) { const n = str(e.data.node); if (n) fingerprints.set(n, str(e.data.fingerprint)); }
  for (const n of record?.deployment.nodes ?? []) if (!fingerprints.has(n.name)) fingerprints.set(n.name, n.hostKey?.fingerprint ?? null);
  return [...fingerprints.entries()].map(([name, fingerprint]) => ({ name, address: record?.deployment.nodes.find((n) => n.name === name)?.address ?? null, fingerprint }));
}

/** The run's own automatic switch back, else a switch-back rollback that moved traffic (the latest one that did). */
function switchBackOf(auto: RunEvent | undefined, watched: RunEvent | undefined, rollbacks: BlueGreenInput['rollbacks']): ReportBlueGreen['switchBack'] {
  if (auto) return { automatic: true, runId: null, status: null, to: colour(auto.data.to), at: time(auto.data.at) ?? auto.at, reason: str(watched?.data.breach) ?? str(auto.data.message) };
  const back = [...rollbacks].reverse().find((r) => r.run.strategy === 'switch-back' && r.events.some((e) => e.kind === 'traffic.switched'));
  if (!back) return null;
  const sw = back.events.filter((e) => e.kind === 'traffic.switched').at(-1)!;
  const why = back.events.filter((e) => e.kind === 'rollback.planned').at(-1);
  return { automatic: false, runId: back.run.id, status: back.run.status, to: colour(sw.data.to), at: time(sw.data.at) ?? sw.at, reason: str(why?.data.message) };
}
