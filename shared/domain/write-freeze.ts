/**
 * The write freeze: which requests a cluster's load balancer refuses while a
 * copy of the data is taken and promoted (blue/green from the clone point to
 * the switch), so that no write lands on the side being left and is lost.
 *
 * Keycloak has no read-only mode, so the freeze is drawn at the HTTP edge by
 * path and method. Refused: admin REST writes, the account console's writes,
 * self-registration, reset-credentials, required actions and email action
 * tokens. Kept: logins, token requests, refreshes, userinfo and logout (a
 * login writes a session; the session policy covers those).
 *
 * The patterns live here, once: Keyturn adds them to the load balancer's ACL
 * file through HAProxy's runtime API to freeze and clears the file to thaw,
 * so the config only references the file (see docs/write-freeze.md) and no
 * reload is needed either way.
 */

/** One refused request family: a path regex (HAProxy `path_reg`) and what it covers, for the plan and the docs. */
export interface FreezePattern {
  pattern: string;
  what: string;
}

/** The methods that write; GET, HEAD and OPTIONS always pass. Matches the `method` ACL of the config snippet. */
export const freezeMethods = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const freezePatterns: readonly FreezePattern[] = [
  { pattern: '^/admin/realms(/|$)', what: 'admin REST writes (users, clients, roles, realm settings)' },
  { pattern: '^/realms/[^/]+/account(/|$)', what: 'the account console (profile, credentials, linked accounts)' },
  { pattern: '^/realms/[^/]+/login-actions/registration', what: 'self-registration' },
  { pattern: '^/realms/[^/]+/login-actions/reset-credentials', what: 'password reset' },
  { pattern: '^/realms/[^/]+/login-actions/required-action', what: 'required actions (update password, profile, OTP set-up)' },
  { pattern: '^/realms/[^/]+/login-actions/action-token', what: 'email action links (verify email, execute actions)' },
];

/** The answer's text: names the maintenance and what still works. The config snippet and the lab carry the same words. */
export const freezeMessage = 'Keycloak is being upgraded: changes are not accepted until the upgrade completes (sign-in and tokens still work). Please retry later.';

/** Seconds a client is told to wait (`Retry-After`). */
export const freezeRetryAfterSeconds = 120;

/** What the freeze refuses, in one sentence for plans and events. */
export const freezeSummary = (): string => `${freezePatterns.map((p) => p.what.replace(/ \(.*\)$/, '')).join(', ')} get 503 (${freezeMethods.join('/')}); sign-in, tokens, refresh, userinfo and logout keep working`;

/**
 * The lines a cluster's HAProxy frontend needs, for `aclFile` (an empty
 * file at start: no freeze). Shown by the docs and checked against the lab's
 * generated config by a test.
 */
export function freezeConfigLines(aclFile: string): string[] {
  return [
    `acl keyturn_write method ${freezeMethods.join(' ')}`,
    `acl keyturn_frozen path_reg -f ${aclFile}`,
    `http-request return status 503 content-type text/plain string "${freezeMessage}" hdr Retry-After ${freezeRetryAfterSeconds} hdr Cache-Control no-store if keyturn_write keyturn_frozen`,
  ];
}
