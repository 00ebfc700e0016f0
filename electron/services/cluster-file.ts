/**
 * Reading a cluster file (`keyturn cluster add --file F`): YAML or JSON, the
 * same schema as the register form. Relative paths inside the file are
 * resolved against the file's directory, so a repo can carry its cluster file
 * next to its Terraform and Ansible code.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { clusterSpecSchema, type ClusterSpec } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';
import { readUserTextFile } from './user-file.ts';

const maxFileBytes = 1024 * 1024;
/** A cluster file is a few levels deep (nodes[0].keyPath); anything past this is not one. */
const maxDepth = 32;
/** YAML aliases (`*defaults`) are fine; thousands of them are an expansion bomb. */
const maxAliasCount = 100;
const nothingRegistered = 'Nothing was registered.';

/** How deep `v` nests (objects and arrays), counted without recursion, stopping past `limit`. */
function depthOf(v: unknown, limit: number): number {
  let deepest = 0;
  const todo: [unknown, number][] = [[v, 0]];
  while (todo.length > 0) {
    const [x, d] = todo.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    deepest = Math.max(deepest, d + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(x)) todo.push([child, d + 1]);
  }
  return deepest;
}

/**
 * Parses and validates a cluster file; throws `invalid-input` naming the file
 * and what is wrong (syntax with its position, each bad field, or why the
 * file itself is refused), `not-found` when it does not exist.
 */
export function readClusterFile(path: string): ClusterSpec {
  const text = readUserTextFile(path, { what: 'Cluster file', maxBytes: maxFileBytes, hint: `A cluster file is a YAML or JSON document of a few kilobytes (see the README: "Cluster file"). ${nothingRegistered}` });
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0];
    const where = line ? ` (line ${line.line}, column ${line.col})` : '';
    if (/call stack/i.test(e.message)) {
      throw new KeyturnError('invalid-input', `Cluster file ${path} is nested too deeply to be a cluster file${where}.`, `A cluster file nests a few levels (nodes, options); check you picked the right file. ${nothingRegistered}`);
    }
    throw new KeyturnError('invalid-input', `Cluster file ${path} is not valid YAML or JSON${where}: ${e.message.split('\n')[0]}`,
      `Fix the syntax at that position; ${nothingRegistered.toLowerCase()}`);
  }
  // A tag Keyturn does not know (`!!js/function`, `!custom`) would silently become a string: say so instead.
  const tag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (tag) {
    const line = tag.linePos?.[0];
    throw new KeyturnError('invalid-input', `Cluster file ${path} uses a YAML tag Keyturn does not read${line ? ` (line ${line.line}, column ${line.col})` : ''}: ${tag.message.split('\n')[0]}`,
      `Remove the tag (the !... before the value) and write the plain value. ${nothingRegistered}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount });
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof RangeError) throw new KeyturnError('invalid-input', `Cluster file ${path} is nested too deeply to be a cluster file.`, `Check you picked the right file. ${nothingRegistered}`);
    if (/excessive alias count/i.test(message)) {
      throw new KeyturnError('invalid-input', `Cluster file ${path} is refused: its YAML aliases (*name) expand too far (more than ${maxAliasCount} uses, or an alias bomb).`, `Write the values out, or use a few anchors and aliases at most. ${nothingRegistered}`);
    }
    throw new KeyturnError('invalid-input', `Cluster file ${path} is not valid YAML: ${message.split('\n')[0]}`, `Fix the anchor or alias it names. ${nothingRegistered}`);
  }
  if (raw === null || raw === undefined) throw new KeyturnError('invalid-input', `Cluster file ${path} holds no document (only comments or an empty value).`, `Write the cluster as described in the README ("Cluster file"). ${nothingRegistered}`);
  if (depthOf(raw, maxDepth) > maxDepth) {
    throw new KeyturnError('invalid-input', `Cluster file ${path} is nested more than ${maxDepth} levels deep; a cluster file needs a handful.`, `Check you picked the right file. ${nothingRegistered}`);
  }
  return parseClusterSpec(raw, path);
}

/** Validates an already-parsed spec object, resolving relative paths against `origin`'s directory. */
export function parseClusterSpec(raw: unknown, origin: string): ClusterSpec {
  const parsed = clusterSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.filter((p): p is string | number => typeof p !== 'symbol'), message: i.message }));
    const lines = issues.slice(0, 10).map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`).join('\n');
    throw new KeyturnError('invalid-input', `Cluster file ${origin} has ${issues.length} problem(s):\n${lines}`, 'Fix the fields listed (see the cluster file format in the README); nothing was registered.', { issues });
  }
  const spec = parsed.data;
  const base = dirname(resolve(origin));
  const abs = (p: string) => (isAbsolute(p) || p.startsWith('~') ? p : resolve(base, p));
  for (const n of spec.nodes) if (n.keyPath) n.keyPath = abs(n.keyPath);
  if (spec.terraform) spec.terraform = { ...spec.terraform, dir: abs(spec.terraform.dir), ...(spec.terraform.varFile ? { varFile: abs(spec.terraform.varFile) } : {}) };
  const standby = spec.blueGreen?.standby;
  if (standby) {
    spec.blueGreen = { ...spec.blueGreen, standby: { ...standby, inventory: abs(standby.inventory), ...(standby.keyPath ? { keyPath: abs(standby.keyPath) } : {}) } };
  }
  if (spec.ansible) {
    spec.ansible = {
      ...spec.ansible,
      inventory: abs(spec.ansible.inventory),
      playbook: abs(spec.ansible.playbook),
      ...(spec.ansible.stopPlaybook ? { stopPlaybook: abs(spec.ansible.stopPlaybook) } : {}),
    };
  }
  return spec;
}
