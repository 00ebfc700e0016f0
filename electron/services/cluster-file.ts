/**
 * Reading a cluster file (`keyturn cluster add --file F`): YAML or JSON, the
 * same schema as the register form. Relative paths inside the file are
 * resolved against the file's directory, so a repo can carry its cluster file
 * next to its Terraform and Ansible code.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { clusterSpecSchema, type ClusterSpec } from '../../shared/contract/index.ts';
import { KeyturnError } from '../../shared/errors.ts';

const maxFileBytes = 1024 * 1024;

/** Parses and validates a cluster file; throws `invalid-input` naming each bad field. */
export function readClusterFile(path: string): ClusterSpec {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new KeyturnError('not-found', `Cluster file ${path} does not exist.`, 'Check the path given to --file.');
  }
  if (size > maxFileBytes) {
    throw new KeyturnError('invalid-input', `Cluster file ${path} is ${size} bytes; at most ${maxFileBytes} are accepted.`, 'A cluster file describes one cluster in a few kilobytes; check you picked the right file.');
  }
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0];
    throw new KeyturnError('invalid-input', `Cluster file ${path} is not valid YAML or JSON${line ? ` (line ${line.line}, column ${line.col})` : ''}: ${e.message.split('\n')[0]}`,
      'Fix the syntax at that position; nothing was registered.');
  }
  const raw: unknown = doc.toJS();
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
