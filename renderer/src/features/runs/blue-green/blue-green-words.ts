/**
 * What each blue/green button says before it is pressed: what it will do and
 * what it costs, in one line. Built only from what main recorded (the run's
 * step titles, which are the plan's words; the clone point; the colour
 * record), so a button never promises more than the engine does.
 */
import type { ColourRecord, Step } from '../../../../../shared/contract/index.ts';
import type { BlueGreenState } from './blue-green-state.ts';

/** A button's label and its one-line explanation. */
export interface ButtonWords {
  label: string;
  explain: string;
}

const lowerFirst = (t: string) => (t ? t.charAt(0).toLowerCase() + t.slice(1) : t);
const stripDot = (t: string) => t.replace(/\.\s*$/, '');
const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * "Promote green": resuming the run paused at its gate runs the switch and
 * the watch the plan wrote; the cost is the writes the serving colour took
 * after the clone point, which the copy does not have.
 */
export function promoteWords(s: BlueGreenState, steps: readonly Pick<Step, 'kind' | 'title'>[]): ButtonWords {
  const target = s.target ?? 'the new colour';
  const source = s.source ?? 'the serving colour';
  const sw = steps.find((x) => x.kind === 'traffic.switch')?.title;
  const watch = steps.find((x) => x.kind === 'traffic.watch')?.title;
  const does = sw ? `${lowerFirst(stripDot(sw))}${watch ? `, then ${lowerFirst(stripDot(watch))}` : ''}` : `switch traffic to ${target}`;
  const since = s.clonePoint ? ` since the clone point (${clock(s.clonePoint)})` : ' since the clone point';
  // Frozen: the writes that would be lost were refused; what is left to name is what got through (sessions from sign-ins).
  const frozen = s.freeze && !s.freeze.until ? ` Writes on ${source} are frozen since ${clock(s.freeze.since)} (admin, account, registration, password reset and required actions get 503; sign-in and tokens work); promoting ends the freeze once no client reaches ${source}.` : '';
  return {
    label: `Promote ${target}`,
    explain: `Promote ${target}: ${does}. Cost: no outage planned; writes ${source} took${since} are not on ${target}.${frozen}${s.lostWrites ? ` ${stripDot(s.lostWrites)}.` : ''}`,
  };
}

/** "Switch back to blue": the rollback flow in mode switch-back, whose plan states its cost before it starts. */
export function switchBackWords(s: BlueGreenState, trafficName: string | null): ButtonWords {
  const back = s.source ?? 'the previous colour';
  const from = s.target ?? 'the new colour';
  return {
    label: `Switch back to ${back}…`,
    explain: `Switch back: points ${trafficName ?? 'the public name'} at ${back} again, which kept serving unchanged; ${from} is kept as standby. Cost: writes ${from} took since the switch are not on ${back}; the plan counts them before anything happens.`,
  };
}

/** The rollback of a blue/green run that has not switched: the serving colour never changed. */
export function rollbackBeforeSwitchWords(s: BlueGreenState): ButtonWords {
  const target = s.target ?? 'the new colour';
  const source = s.source ?? 'the serving colour';
  return {
    label: 'Rollback…',
    explain: `Rollback: ${source} never changed and keeps serving; ${target} is removed or kept as the plan says. The plan and its cost are shown first.`,
  };
}

/** "Decommission blue": removes the standby colour for good; the way back goes with it. */
export function decommissionWords(record: Pick<ColourRecord, 'colour' | 'version' | 'deployment'>): ButtonWords {
  const n = record.deployment.nodes.length;
  const does = record.deployment.source === 'terraform'
    ? `Terraform destroy of workspace "${record.colour}" (its ${n} host${n === 1 ? '' : 's'}, database and load balancer)`
    : `stops Keycloak on its ${n} host${n === 1 ? '' : 's'}`;
  return {
    label: `Decommission ${record.colour}…`,
    explain: `Decommission ${record.colour}: ${does}. Cost: no switch back to ${record.colour} (Keycloak ${record.version}) after this; it asks for the cluster's name, typed.`,
  };
}
