/**
 * Where a blue/green run stands, folded from what main recorded: the run's
 * steps, its events (`colour.*`, `promotion.waiting`, `traffic.*`,
 * `standby.recorded`), the plan it executes (its steps' `colour` and
 * `serving` params) and the ledger's colour records (`standby:list`). Pure,
 * so a reload folds the same ledger into the same columns and buttons; the
 * console invents no colour and offers no button whose effect main does not
 * record.
 *
 * Two colours per run: `target` is where traffic is meant to go (the colour a
 * blue/green upgrade builds, the colour a switch back returns to) and
 * `source` where it is when the run starts (the serving colour).
 */
import type { ColourRecord, RunEvent, RunSummary, Step } from '../../../../../shared/contract/index.ts';
import type { Colour } from '../../../../../shared/contract/colours.ts';
import { isBlueGreenKind } from '../../../../../shared/domain/step-kinds.ts';

/** What a column's colour is doing, in the console's words. */
export type ColumnRole = 'serving' | 'building' | 'active' | 'standby' | 'destroyed';

/** A moment traffic moved: the ReferenceLine on the prober chart. */
export interface TrafficMove {
  to: Colour;
  at: string;
}

export interface BlueGreenState {
  /** The run switches traffic between colours (a blue/green upgrade or a switch back). */
  kind: 'upgrade' | 'switch-back';
  /** Where traffic goes in this run, and where it was; null until the plan, an event or a record says. */
  target: Colour | null;
  source: Colour | null;
  /** The backup time the new colour was cloned from (backup.clone-point). */
  clonePoint: string | null;
  /** The run's switch and the automatic switch back, if any. */
  switched: TrafficMove | null;
  switchedBack: TrafficMove | null;
  /** When the last request reached the colour traffic left, in seconds after the switch (traffic.drained). */
  drainedAfterSeconds: number | null;
  /** The watch window after the switch (traffic.watched). */
  watched: { held: boolean; failed: number; requests: number } | null;
  /** standby.recorded: which colour is active and which kept. */
  recorded: { active: Colour; standby: Colour } | null;
  /** Colours this run destroyed (colour.destroyed). */
  destroyed: Colour[];
  /** The new colour's smoke checks, last word per check. */
  smoke: { check: string; ok: boolean }[];
  /** The run is stopped right after its promotion gate with the switch still to come: resuming it promotes. */
  atGate: boolean;
  /** The plan's promotion: manual (pauses at the gate) or auto. */
  promote: 'manual' | 'auto' | null;
  /** What the serving colour took since the clone point, as the gate counted it (promotion.lost-writes): its message. */
  lostWrites: string | null;
  /** The write freeze on the serving colour (freeze.on / freeze.off): since when, and until when once ended. */
  freeze: { since: string; until: string | null } | null;
}

const colourOf = (v: unknown): Colour | null => (v === 'blue' || v === 'green' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** The other colour. */
export const otherColour = (c: Colour): Colour => (c === 'blue' ? 'green' : 'blue');

/** Whether `run` moves traffic between colours: its strategy says so, or one of its steps is a blue/green kind. */
export function isBlueGreenRun(run: Pick<RunSummary, 'strategy'>, steps: readonly Pick<Step, 'kind'>[]): boolean {
  return run.strategy === 'blue-green' || run.strategy === 'switch-back' || steps.some((s) => isBlueGreenKind(s.kind));
}

/** The plan run an upgrade executes, as its `upgrade.decided` event names it. */
export function decidedPlanRunId(events: readonly RunEvent[]): string | null {
  return str(events.find((e) => e.kind === 'upgrade.decided')?.data.planRunId);
}

/** The colours a plan's blue/green steps name (every step carries `colour` and `serving`), and its promotion. */
export function planColours(steps: readonly { kind: string; params?: Record<string, unknown> | undefined }[] | undefined): { target: Colour; source: Colour; promote: 'manual' | 'auto' | null } | null {
  const first = steps?.[0]?.params;
  const target = colourOf(first?.colour);
  const source = colourOf(first?.serving);
  if (!target || !source) return null;
  const p = steps?.find((s) => s.kind === 'promotion.gate')?.params?.promote;
  return { target, source, promote: p === 'manual' || p === 'auto' ? p : null };
}

interface FoldInput {
  run: Pick<RunSummary, 'id' | 'kind' | 'status' | 'strategy'>;
  steps: readonly Pick<Step, 'kind' | 'status'>[];
  events: readonly RunEvent[];
  /** From the plan the run executes (upgrades only). */
  plan?: ReturnType<typeof planColours>;
  /** The cluster's colour records, if read. */
  records?: readonly ColourRecord[];
}

/** Folds one blue/green (or switch-back) run. */
export function foldBlueGreen({ run, steps, events, plan = null, records = [] }: FoldInput): BlueGreenState {
  const kind = run.kind === 'rollback' || run.strategy === 'switch-back' ? 'switch-back' : 'upgrade';
  let target: Colour | null = plan?.target ?? null;
  let source: Colour | null = plan?.source ?? null;
  const s: BlueGreenState = { kind, target, source, clonePoint: null, switched: null, switchedBack: null, drainedAfterSeconds: null, watched: null, recorded: null, destroyed: [], smoke: [], atGate: false, promote: plan?.promote ?? null, lostWrites: null, freeze: null };
  const smoke = new Map<string, boolean>();
  for (const e of events) {
    const d = e.data;
    switch (e.kind) {
      case 'backup.clone-point':
        s.clonePoint = str(d.clonePoint) ?? s.clonePoint;
        break;
      case 'colour.provisioned':
        if (kind === 'upgrade') target ??= colourOf(d.colour);
        break;
      case 'promotion.lost-writes':
        s.lostWrites = str(d.message) ?? s.lostWrites;
        break;
      case 'freeze.on':
        s.freeze = { since: s.freeze?.since ?? str(d.at) ?? e.at, until: null };
        break;
      case 'freeze.off':
        if (s.freeze) s.freeze = { ...s.freeze, until: str(d.at) ?? e.at };
        break;
      case 'colour.smoke':
        if (str(d.check)) smoke.set(String(d.check), d.ok === true);
        break;
      case 'traffic.switched': {
        const to = colourOf(d.to);
        const at = str(d.at) ?? e.at;
        if (to) {
          s.switched = { to, at };
          target ??= to;
        }
        break;
      }
      case 'traffic.switched-back': {
        const to = colourOf(d.to);
        if (to) s.switchedBack = { to, at: str(d.at) ?? e.at };
        break;
      }
      case 'traffic.drained':
        s.drainedAfterSeconds = num(d.lastRequestAfterSwitchSeconds);
        break;
      case 'traffic.watched':
        s.watched = { held: d.held === true, failed: num(d.failed) ?? 0, requests: num(d.requests) ?? 0 };
        break;
      case 'standby.recorded': {
        const active = colourOf(d.active);
        const standby = colourOf(d.standby);
        if (active && standby) s.recorded = { active, standby };
        break;
      }
      case 'colour.destroyed': {
        const c = colourOf(d.colour);
        if (c && !s.destroyed.includes(c)) s.destroyed.push(c);
        break;
      }
    }
  }
  // Before any event names them: the ledger's records (a building colour is this upgrade's target; a switch back goes to the standby).
  if (!target) {
    const live = records.filter((r) => r.role !== 'destroyed');
    target = kind === 'upgrade' ? (live.find((r) => r.role === 'building' && r.runId === run.id)?.colour ?? null) : (live.find((r) => r.role === 'standby')?.colour ?? null);
  }
  if (target && !source) source = otherColour(target);
  if (source && !target) target = otherColour(source);
  s.target = target;
  s.source = source;
  s.smoke = [...smoke].map(([check, ok]) => ({ check, ok }));
  const gate = steps.find((x) => x.kind === 'promotion.gate');
  const sw = steps.find((x) => x.kind === 'traffic.switch');
  s.atGate = (run.status === 'paused' || run.status === 'interrupted') && gate?.status === 'succeeded' && sw !== undefined && sw.status === 'pending';
  return s;
}

/** Who receives clients now, as far as this run knows: its switch, then an automatic switch back. */
export function trafficOn(s: BlueGreenState): Colour | null {
  if (s.switchedBack) return s.switchedBack.to;
  if (s.switched) return s.switched.to;
  return s.source;
}

/** The role a column shows for `colour`: serving/building before the switch, active/standby after it. */
export function columnRole(s: BlueGreenState, colour: Colour): ColumnRole {
  if (s.destroyed.includes(colour)) return 'destroyed';
  const on = trafficOn(s);
  if (s.switched || s.switchedBack) return colour === on ? 'active' : 'standby';
  if (colour === s.source) return 'serving';
  return s.kind === 'upgrade' ? 'building' : 'standby';
}

/** The column's nodes: its colour record's, else (the colour that served when the run began) the cluster's own, else what the events named. */
export function columnNodes(colour: Colour, opts: { record: ColourRecord | null; isSource: boolean; specNodes: readonly string[]; eventNodes: readonly string[]; otherNodes: readonly string[] }): string[] {
  if (opts.record) return opts.record.deployment.nodes.map((n) => n.name);
  if (opts.isSource) return [...opts.specNodes];
  return opts.eventNodes.filter((n) => !opts.otherNodes.includes(n) && !opts.specNodes.includes(n));
}

/**
 * Whether "Switch back" still applies to this upgrade: it switched, traffic
 * is on the new colour as far as the run knows, and the colour it left still
 * exists and has not become active again since (a later switch back).
 * `records` null: not read yet, so the run's own events decide.
 */
export function switchBackApplies(s: BlueGreenState, records: readonly ColourRecord[] | null): boolean {
  if (s.kind !== 'upgrade' || !s.switched || !s.source || !s.target || trafficOn(s) !== s.target) return false;
  if (records === null) return true;
  const left = records.find((r) => r.colour === s.source && r.role !== 'destroyed');
  if (!left) return false;
  return !(left.role === 'active' && s.recorded !== null);
}
