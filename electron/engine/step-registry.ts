/**
 * The implementation of every step kind the strategies name
 * (shared/domain/step-kinds.ts holds what each kind allows: pause after it,
 * its inverse). Typed as a record over every kind, so a kind without an
 * implementation, or an implementation without a declared kind, does not
 * compile.
 */
import type { StepKind } from '../../shared/domain/step-kinds.ts';
import type { StepImpl } from './engine-context.ts';
import { backupAndVerify, destroyColourStep, drainTraffic, installColour, promotionGate, provisionColour, recordStandby, restoreIntoColour, smokeColour, switchTraffic, verifyColour, watchTraffic } from './steps/blue-green-steps.ts';
import { backup, preflight, verifyCluster } from './steps/cluster-steps.ts';
import { drainNode, enableNode, installNode, verifyNodeJoined, waitNodeReady, warmUpNode } from './steps/node-steps.ts';
import { endMaintenanceStep, enterMaintenanceStep, restoreDatabaseStep, stopClusterStep } from './steps/outage-steps.ts';
import { prepareCluster } from './steps/prepare-steps.ts';
import { freezeStep, thawStep } from './steps/freeze-steps.ts';

export const stepImpls: Record<StepKind, StepImpl> = {
  preflight,
  backup,
  'cluster.prepare': prepareCluster,
  'node.drain': drainNode,
  'node.install': installNode,
  'node.ready': waitNodeReady,
  'node.joined': verifyNodeJoined,
  'node.warmup': warmUpNode,
  'node.enable': enableNode,
  'lb.maintenance': enterMaintenanceStep,
  'cluster.stop': stopClusterStep,
  'db.restore': restoreDatabaseStep,
  'lb.end-maintenance': endMaintenanceStep,
  verify: verifyCluster,
  'lb.freeze': freezeStep,
  'backup.verify': backupAndVerify,
  'green.provision': provisionColour,
  'green.restore': restoreIntoColour,
  'green.install': installColour,
  'green.verify': verifyColour,
  'green.smoke': smokeColour,
  'promotion.gate': promotionGate,
  'traffic.switch': switchTraffic,
  'traffic.drain': drainTraffic,
  'lb.thaw': thawStep,
  'traffic.watch': watchTraffic,
  'standby.record': recordStandby,
  'green.destroy': destroyColourStep,
};
