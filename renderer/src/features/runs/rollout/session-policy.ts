/**
 * A restore's session policy in the words an operator decides by: the enum
 * (`drop-online`…) says nothing to someone choosing at 3 a.m. whether users
 * get signed out or whether sessions logged out since the backup come back.
 * Keyed by the contract's own enum, so a policy main adds fails to compile
 * here instead of showing up unexplained.
 */
import { sessionPolicySchema, type SessionPolicy } from '../../../../../shared/contract/index.ts';

/** Every policy main accepts, in the contract's order. */
export const sessionPolicies: readonly SessionPolicy[] = sessionPolicySchema.options;

const words: Record<SessionPolicy, string> = {
  'drop-online': 'Signed-in browser sessions are dropped; offline tokens are kept. Sessions logged out after the backup do not come back.',
  'keep-all': 'Every session in the backup is kept, offline tokens too, including sessions logged out after the backup: they come back to life.',
  'drop-all': 'Every session is dropped, offline tokens too: everyone signs in again, and apps holding offline tokens must authorize again.',
};

/** What a session policy does to the restored sessions, in plain words. */
export function sessionPolicyWords(policy: SessionPolicy): string {
  return words[policy];
}
