/**
 * The write freeze on a cluster's HAProxy (shared/domain/write-freeze.ts says
 * what it refuses): the frontend refuses writes whose path matches a pattern
 * in an ACL file, and that file is empty unless Keyturn fills it. Freezing
 * adds the patterns through the runtime API, thawing clears them.
 *
 * Why the runtime API and not a config change: it acts at once on the
 * running process, with no reload and no dropped connection, and reading the
 * ACL back tells a resumed run whether the freeze is on. The change lives in
 * the running process only: a reload or restart of HAProxy ends the freeze,
 * which is the safe direction (writes accepted, then counted as lost writes),
 * and `freezeState` sees it.
 *
 * The runtime API has no quoting: the file is validated, the patterns are
 * Keyturn's own, and `haproxyCommand` refuses `;` and line breaks.
 */
import { KeyturnError } from '../../shared/errors.ts';
import { haproxyCommand, type HaproxyCallOptions, type RuntimeApi } from './haproxy.ts';

/** An ACL file as the config names it (`path_reg -f <file>`). */
const ACL_FILE = /^\/[A-Za-z0-9_./-]{1,4000}$/;
/** A pattern as Keyturn sends it: printable, no space (the runtime API splits on it). */
const PATTERN = /^[\x21-\x7e]{1,500}$/;

function checkFile(aclFile: string): string {
  if (!ACL_FILE.test(aclFile)) {
    throw new KeyturnError('invalid-input', `'${aclFile}' is not an ACL file path HAProxy can be given`, 'Give loadBalancer.freeze.aclFile exactly as haproxy.cfg references it after `path_reg -f` (an absolute path of letters, digits, ".", "_", "/" and "-").');
  }
  return aclFile;
}

/** HAProxy answers an unknown ACL with this; say what the config lacks. */
function unknownAcl(api: RuntimeApi, aclFile: string): KeyturnError {
  return new KeyturnError('not-found', `HAProxy at ${api} has no ACL loaded from ${aclFile}, so it cannot freeze writes`,
    `Add the write-freeze lines to the frontend (docs/write-freeze.md), create ${aclFile} empty, reload HAProxy, then plan again; or run without the freeze (--freeze off).`);
}

async function command(api: RuntimeApi, aclFile: string, line: string, opts: HaproxyCallOptions): Promise<string> {
  const answer = await haproxyCommand(api, line, opts);
  if (/Unknown ACL identifier|Unknown ACL/i.test(answer)) throw unknownAcl(api, aclFile);
  return answer;
}

/** The patterns the ACL holds now: none means no freeze. */
export async function freezeState(api: RuntimeApi, aclFile: string, opts: HaproxyCallOptions = {}): Promise<string[]> {
  const answer = await command(api, checkFile(aclFile), `show acl ${aclFile}`, opts);
  // Each entry is "<pointer> <pattern>".
  return answer.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => l.replace(/^0x[0-9a-f]+\s+/i, ''));
}

/** What freezing or thawing did, read back. */
export interface FreezeResult {
  /** The patterns active afterwards. */
  patterns: string[];
  /** False when it already was so (idempotent, as engine steps must be). */
  changed: boolean;
}

/**
 * Puts exactly `patterns` into the ACL (adds the missing ones) and reads it
 * back. Calling it again changes nothing.
 */
export async function freezeWrites(api: RuntimeApi, aclFile: string, patterns: readonly string[], opts: HaproxyCallOptions = {}): Promise<FreezeResult> {
  checkFile(aclFile);
  for (const p of patterns) if (!PATTERN.test(p)) throw new KeyturnError('invalid-input', `'${p}' cannot be sent to HAProxy as an ACL pattern`, 'Patterns are printable and contain no space.');
  const before = await freezeState(api, aclFile, opts);
  const missing = patterns.filter((p) => !before.includes(p));
  for (const p of missing) {
    const answer = await command(api, aclFile, `add acl ${aclFile} ${p}`, opts);
    if (answer.trim() !== '') throw new KeyturnError('tool-failed', `HAProxy at ${api} refused the freeze pattern ${p}: ${answer.trim()}`, 'Check that the ACL is a path_reg ACL loaded from that file (docs/write-freeze.md).');
  }
  const after = await freezeState(api, aclFile, opts);
  const absent = patterns.filter((p) => !after.includes(p));
  if (absent.length) throw new KeyturnError('tool-failed', `HAProxy at ${api} does not hold ${absent.join(', ')} in ${aclFile} after adding it`, 'Something else changes the ACL at the same time (a reload?): freeze again.');
  return { patterns: after, changed: missing.length > 0 };
}

/** Empties the ACL: writes pass again. */
export async function thawWrites(api: RuntimeApi, aclFile: string, opts: HaproxyCallOptions = {}): Promise<FreezeResult> {
  const before = await freezeState(api, aclFile, opts);
  if (before.length === 0) return { patterns: [], changed: false };
  await command(api, aclFile, `clear acl ${aclFile}`, opts);
  const after = await freezeState(api, aclFile, opts);
  if (after.length) throw new KeyturnError('tool-failed', `HAProxy at ${api} still holds ${after.length} freeze pattern(s) in ${aclFile} after clearing it`, 'Clear it by hand (`clear acl <file>` on the runtime API) or reload HAProxy, which starts from the empty file.');
  return { patterns: [], changed: true };
}
