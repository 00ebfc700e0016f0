/**
 * Reading a file a person hands to Keyturn (a cluster file, a ledger export).
 *
 * Such a file can be anything: a directory, a FIFO that never ends, /dev/zero,
 * a binary, a huge dump, JSON nested a million levels deep. Every one of them
 * must be refused with a message naming the file and what is wrong with it,
 * never end as an "unexpected failure" or hang. So the file is opened once
 * (non-blocking, so a FIFO cannot stall the open), checked to be a regular
 * file of bounded size on that same descriptor, read whole, and decoded as
 * strict UTF-8 text.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { KeyturnError } from '../../shared/errors.ts';

export interface UserFileLimits {
  /** How the message names the file: "Cluster file", "Ledger export". */
  what: string;
  maxBytes: number;
  /** What to do instead, appended to every refusal. */
  hint: string;
}

/** "a directory", "a named pipe (FIFO)"...: what a path is when it is not a regular file. */
function kindOf(s: ReturnType<typeof fstatSync>): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function openFailure(path: string, limits: UserFileLimits, err: NodeJS.ErrnoException): KeyturnError {
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new KeyturnError('not-found', `${limits.what} ${path} does not exist.`, `Check the path. ${limits.hint}`);
    case 'EACCES':
    case 'EPERM':
      return new KeyturnError('invalid-input', `${limits.what} ${path} cannot be read: permission denied.`, `Make it readable by this user (chmod u+r), or copy it somewhere readable. ${limits.hint}`);
    case 'ELOOP':
      return new KeyturnError('invalid-input', `${limits.what} ${path} is a symbolic link loop.`, `Point at the real file. ${limits.hint}`);
    case 'ENAMETOOLONG':
      return new KeyturnError('invalid-input', `${limits.what} path is too long (${path.length} characters).`, `Use a shorter path. ${limits.hint}`);
    default:
      return new KeyturnError('invalid-input', `${limits.what} ${path} cannot be opened (${err.code ?? 'error'}: ${err.message}).`, limits.hint);
  }
}

/** Byte offset of the first byte that is not part of valid UTF-8, for the message. */
function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > buf.length || !isUtf8(buf.subarray(i, i + len))) return i;
    i += len;
  }
  return buf.length;
}

/** Line and column (1-based) of character offset `at` in `text`. */
export function lineAndColumn(text: string, at: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: at - start + 1 };
}

/**
 * The text of a file a person gave us, or a `KeyturnError` naming the file
 * and what is wrong: `not-found` (3) when it does not exist, `invalid-input`
 * (2) for a directory, pipe, device, unreadable, empty, oversized, binary or
 * non-UTF-8 file. A leading byte-order mark is dropped.
 */
export function readUserTextFile(path: string, limits: UserFileLimits): string {
  if (path.trim() === '') throw new KeyturnError('invalid-input', `${limits.what}: the path is empty.`, limits.hint);
  if (path.includes('\u0000')) throw new KeyturnError('invalid-input', `${limits.what} path contains a NUL character.`, limits.hint);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw openFailure(path, limits, err as NodeJS.ErrnoException);
  }
  let buf: Buffer;
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw new KeyturnError('invalid-input', `${limits.what} ${path} is ${kindOf(s)}, not a file.`, `Give the path of the file itself. ${limits.hint}`);
    if (s.size > limits.maxBytes) throw tooLarge(path, limits, s.size);
    // Read one byte past the limit: a file that grows while we read is caught too.
    buf = Buffer.alloc(Math.min(s.size, limits.maxBytes) + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === buf.length) break;
    }
    if (n > limits.maxBytes) throw tooLarge(path, limits, n);
    buf = buf.subarray(0, n);
  } catch (err) {
    if (err instanceof KeyturnError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new KeyturnError('invalid-input', `${limits.what} ${path} cannot be read (${e.code ?? 'error'}: ${e.message}).`, limits.hint);
  } finally {
    closeSync(fd);
  }
  if (buf.length === 0 || buf.toString('utf8').trim() === '') throw new KeyturnError('invalid-input', `${limits.what} ${path} is empty.`, limits.hint);
  const nul = buf.indexOf(0);
  if (nul !== -1) {
    throw new KeyturnError('invalid-input', `${limits.what} ${path} contains a NUL byte at offset ${nul}: it is a binary file, not text.`, `Check you picked the right file. ${limits.hint}`);
  }
  if (!isUtf8(buf)) {
    throw new KeyturnError('invalid-input', `${limits.what} ${path} is not UTF-8 text (invalid byte at offset ${firstInvalidUtf8(buf)}).`, `Save it as UTF-8. ${limits.hint}`);
  }
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function tooLarge(path: string, limits: UserFileLimits, size: number): KeyturnError {
  return new KeyturnError('invalid-input', `${limits.what} ${path} is ${size} bytes; at most ${limits.maxBytes} are accepted.`, `Check you picked the right file. ${limits.hint}`);
}

/**
 * Checks JSON text before `JSON.parse`: nesting at most `maxDepth` levels and
 * no object with the same key twice (JSON.parse silently keeps the last one,
 * so a hand-edited duplicate would change what is imported without a word).
 * Returns the problem with its position, or null. Strings are skipped with
 * their escapes; malformed JSON is left to JSON.parse to describe.
 */
export function jsonStructureProblem(text: string, maxDepth: number): { at: number; message: string } | null {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) {
          escaped = true;
          j++;
        } else if (d === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const raw = text.slice(i + 1, j);
        let key = raw;
        if (escaped) {
          try {
            key = JSON.parse(`"${raw}"`) as string;
          } catch {
            return null; // JSON.parse will name the broken escape
          }
        }
        if (top.has(key)) return { at: i, message: `the key "${key.slice(0, 80)}" appears twice in one object` };
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return { at: i, message: `it is nested more than ${maxDepth} levels deep` };
      stack.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return null;
}

/**
 * Parses JSON text a person gave us, bounded in depth, refusing duplicate
 * keys, and naming the line and column of any syntax error.
 */
export function parseUserJson(text: string, path: string, limits: Pick<UserFileLimits, 'what' | 'hint'> & { maxDepth: number }): unknown {
  const problem = jsonStructureProblem(text, limits.maxDepth);
  if (problem) {
    const { line, col } = lineAndColumn(text, problem.at);
    throw new KeyturnError('invalid-input', `${limits.what} ${path} is refused (line ${line}, column ${col}): ${problem.message}.`, limits.hint);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const msg = (err as Error).message;
    const at = /at position (\d+)/.exec(msg)?.[1];
    const where = at !== undefined ? ` (line ${lineAndColumn(text, Number(at)).line}, column ${lineAndColumn(text, Number(at)).col})` : '';
    throw new KeyturnError('invalid-input', `${limits.what} ${path} is not valid JSON${where}: ${msg.replace(/\s+/g, ' ').slice(0, 200)}`, limits.hint);
  }
}
