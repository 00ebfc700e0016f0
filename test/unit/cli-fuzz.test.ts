/**
 * Fuzz of the two files a person hands to the CLI: `keyturn cluster add
 * --file F` and `keyturn ledger import F`. Every malformed input (generated
 * mutations of a valid file plus hand-picked hostile ones) must end with exit
 * 2, 3 or 4, a message and a hint, never "Unexpected failure", and leave the
 * ledger byte-for-byte as it was (database file and WAL hashed before and
 * after). A control case proves the same ledger does change on a valid input,
 * so "unchanged" means something.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openLedger } from '../../electron/ledger/open-ledger.ts';
import { appendEvent, createRun, setRunStatus } from '../../electron/ledger/runs-repo.ts';
import { getCluster } from '../../electron/ledger/clusters-repo.ts';
import { createRedactor } from '../../electron/tools/redact.ts';
import { fixture, keyturnBin, keyturnIn, ledgerDigest, tempDirs, type CliResult } from './cli-harness.ts';
import { sampleSpec } from './spec-factory.ts';

const dirs = tempDirs('keyturn-fuzz-');
afterAll(() => dirs.cleanup());

/** One malformed input: where its file is (written by `make`), and which command reads it. */
interface FuzzCase {
  name: string;
  /** Returns the path to hand to the CLI. */
  make: (dir: string) => string;
}

let caseNo = 0;
const fileCase = (name: string, content: string | Buffer): FuzzCase => ({
  name,
  make: (dir) => {
    const p = join(dir, `case-${caseNo++}.yaml`);
    writeFileSync(p, content);
    return p;
  },
});
const pathCase = (name: string, make: (dir: string) => string): FuzzCase => ({ name, make });
const jsonCase = (name: string, doc: unknown): FuzzCase => fileCase(name, JSON.stringify(doc));

// ---------------------------------------------------------------- shared hostile files

/** "Billion laughs": 9^7 strings from a few hundred bytes. */
const aliasBomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`)].join('\n');

function hostileFiles(kind: 'cluster' | 'ledger'): FuzzCase[] {
  return [
    pathCase('a directory', (dir) => {
      const d = join(dir, `dir-${caseNo++}`);
      mkdirSync(d);
      return d;
    }),
    pathCase('a FIFO with no writer', (dir) => {
      const p = join(dir, `fifo-${caseNo++}`);
      execFileSync('mkfifo', [p]);
      return p;
    }),
    pathCase('/dev/zero', () => '/dev/zero'),
    pathCase('/dev/null', () => '/dev/null'),
    pathCase('a missing file', (dir) => join(dir, 'no-such-file.yaml')),
    pathCase('a file used as a directory (ENOTDIR)', (dir) => {
      const p = join(dir, `plain-${caseNo++}`);
      writeFileSync(p, 'x: 1\n');
      return join(p, 'child.yaml');
    }),
    pathCase('a symbolic link loop', (dir) => {
      const a = join(dir, `loop-a-${caseNo}`);
      const b = join(dir, `loop-b-${caseNo++}`);
      symlinkSync(b, a);
      symlinkSync(a, b);
      return a;
    }),
    pathCase('a sparse 300 MB file', (dir) => {
      const p = join(dir, `huge-${caseNo++}`);
      writeFileSync(p, '');
      truncateSync(p, 300 * 1024 * 1024);
      return p;
    }),
    fileCase('an empty file', ''),
    fileCase('only whitespace', ' \n\t\n   \n'),
    fileCase('binary garbage with NUL bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))),
    fileCase('invalid UTF-8 (lone continuation bytes)', Buffer.concat([Buffer.from('name: '), Buffer.from([0x80, 0xbf, 0xfe, 0xff]), Buffer.from('\n')])),
    fileCase('UTF-16 with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"name": "x"}', 'utf16le')])),
    fileCase('a NUL byte inside otherwise valid text', kind === 'cluster' ? readFileSync(fixture('acme-prod.yaml'), 'utf8').replace('acme-prod', 'acme\u0000prod') : '{"format": "keyturn-ledger\u0000"}'),
    fileCase('2 MB of text', `# ${'x'.repeat(2 * 1024 * 1024)}\n`),
    fileCase('flow nesting 100 000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    fileCase('object nesting 40 deep', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`),
    fileCase('a YAML alias bomb', aliasBomb),
    fileCase('a top-level array', '[1, 2, 3]'),
    fileCase('a top-level string', '"just a string"'),
    fileCase('a top-level number', '42'),
  ];
}

// ---------------------------------------------------------------- cluster files

const goodSpec = () => sampleSpec({ name: 'fuzz-target' }) as unknown as Record<string, unknown>;
const withSpec = (name: string, mutate: (s: Record<string, unknown>) => void, as: 'yaml' | 'json' = 'yaml'): FuzzCase => {
  const s = structuredClone(goodSpec());
  mutate(s);
  return fileCase(name, as === 'yaml' ? stringify(s) : JSON.stringify(s));
};

/** Generated: every field of a valid spec replaced by each wrong kind of value. */
function generatedClusterCases(): FuzzCase[] {
  const wrong: [string, unknown][] = [['a number', 99999], ['an array', ['a', 'b']], ['null', null], ['a huge string', 'x'.repeat(200_000)], ['an object', { nested: { deeper: true } }]];
  const fields: [string, (s: Record<string, unknown>, v: unknown) => void][] = [
    ['name', (s, v) => (s.name = v)],
    ['environment', (s, v) => (s.environment = v)],
    ['keycloak.version', (s, v) => ((s.keycloak as Record<string, unknown>).version = v)],
    ['nodes', (s, v) => (s.nodes = v)],
    ['nodes[0].host', (s, v) => ((s.nodes as Record<string, unknown>[])[0]!.host = v)],
    ['nodes[0].port', (s, v) => ((s.nodes as Record<string, unknown>[])[0]!.port = v)],
    ['database', (s, v) => (s.database = v)],
    ['traffic.kind', (s, v) => ((s.traffic as Record<string, unknown>).kind = v)],
  ];
  return fields.flatMap(([field, set]) => wrong
    // a string is a fine "environment"-shaped value only when it is one of the names; a huge one is not
    .map(([what, v], i) => withSpec(`${field} as ${what}`, (s) => set(s, v), i % 2 ? 'json' : 'yaml')));
}

const clusterCases = (): FuzzCase[] => [
  ...hostileFiles('cluster'),
  ...generatedClusterCases(),
  fileCase('truncated JSON', JSON.stringify(goodSpec()).slice(0, 120)),
  fileCase('truncated YAML (unclosed flow map)', 'name: x\nnodes: [{ name: n1, host: 127.0.0.1\n'),
  fileCase('duplicate keys (YAML)', `${stringify(goodSpec())}name: other-name\n`),
  fileCase('duplicate keys (JSON)', JSON.stringify(goodSpec()).replace('{', '{"name":"dup",')),
  withSpec('an unknown top-level field', (s) => (s.colour = 'blue')),
  withSpec('an unknown field in a node', (s) => ((s.nodes as Record<string, unknown>[])[0]!.sudo = true)),
  withSpec('a ../ path as the cluster name', (s) => (s.name = '../../etc/passwd')),
  withSpec('a ../ path as the Terraform directory', (s) => (s.terraform = { dir: '../../etc' })),
  withSpec('a ../ path as a node key', (s) => ((s.nodes as Record<string, unknown>[])[0]!.keyPath = 'keys/../../../root/.ssh/id_rsa')),
  withSpec('a ../ path as a node name', (s) => ((s.nodes as Record<string, unknown>[])[0]!.name = '../n1')),
  withSpec('an inline secret option', (s) => ((s.keycloak as Record<string, unknown>).options = { db: 'postgres', 'db-password': 'hunter2' })),
  withSpec('a password inside a URL option', (s) => ((s.keycloak as Record<string, unknown>).options = { 'db-url': 'jdbc:postgresql://kc:hunter2@db.example/kc' })),
  withSpec('a secret reference of the wrong shape', (s) => ((s.keycloak as Record<string, unknown>).secretOptions = { 'db-password': 'hunter2' })),
  withSpec('65 nodes', (s) => (s.nodes = Array.from({ length: 65 }, (_, i) => ({ name: `n${i}`, host: `kc${i}.acme.example`, user: 'kc' })))),
  withSpec('two nodes with one name', (s) => (s.nodes = [{ name: 'n1', host: 'a.example', user: 'kc' }, { name: 'n1', host: 'b.example', user: 'kc' }])),
  withSpec('a version that is not a version', (s) => ((s.keycloak as Record<string, unknown>).version = 'latest')),
  withSpec('port 70000', (s) => ((s.nodes as Record<string, unknown>[])[0]!.port = 70000)),
  withSpec('a string with a NUL escape as the name', (s) => (s.name = 'acme\u0000prod'), 'json'),
  fileCase('two YAML documents', `${stringify(goodSpec())}---\n${stringify(goodSpec())}`),
  fileCase('an alias to an unknown anchor', `${stringify(goodSpec())}description: *nowhere\n`),
  fileCase('a merge key', `base: &b { user: kc }\n${stringify(goodSpec())}extra:\n  <<: *b\n`),
  fileCase('a custom YAML tag', `${stringify(goodSpec())}description: !!js/function "function () { return 1 }"\n`),
  fileCase('tab indentation', 'name: x\nkeycloak:\n\tversion: 26.7.0\n'),
  fileCase('block nesting 200 deep', Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + `\n${' '.repeat(200)}v: 1\n`),
  fileCase('a BOM before broken YAML', `\ufeffname: [unclosed\n`),
  fileCase('a huge key', `${'k'.repeat(500_000)}: 1\n`),
];

// ---------------------------------------------------------------- ledger exports

interface ExportDoc {
  format: string;
  schemaVersion: number;
  exportedAt: string;
  tables: Record<string, Record<string, unknown>[]>;
}

function generatedLedgerCases(valid: ExportDoc): FuzzCase[] {
  const cases: FuzzCase[] = [];
  // Every column of the first row of every non-empty table, given a value no column holds.
  for (const [table, rows] of Object.entries(valid.tables)) {
    const row = rows[0];
    if (!row) continue;
    for (const col of Object.keys(row)) {
      const bad: unknown = [{ object: true }, true, ['array'], 'x'.repeat(1_000_001)][cases.length % 4];
      const doc = structuredClone(valid);
      doc.tables[table]![0]![col] = bad;
      cases.push(jsonCase(`${table}.${col} of the wrong type`, doc));
    }
  }
  return cases;
}

function ledgerCases(valid: ExportDoc): FuzzCase[] {
  const text = JSON.stringify(valid, null, 2);
  const mutate = (name: string, fn: (d: ExportDoc) => void) => {
    const d = structuredClone(valid);
    fn(d);
    return jsonCase(name, d);
  };
  const firstCluster = (d: ExportDoc) => d.tables.clusters![0]!;
  const spec = (d: ExportDoc) => JSON.parse(firstCluster(d).spec_json as string) as Record<string, unknown>;
  return [
    ...hostileFiles('ledger'),
    ...generatedLedgerCases(valid),
    fileCase('not JSON at all', 'format: keyturn-ledger\n'),
    fileCase('a valid export truncated in the middle', text.slice(0, Math.floor(text.length / 2))),
    fileCase('a valid export truncated by one byte', text.slice(0, -1)),
    fileCase('duplicate "format" keys (the last one valid)', text.replace('{', '{\n  "format": "something-else",')),
    fileCase('duplicate key inside a row', text.replace('"name": "acme-dr"', '"name": "acme-dr", "name": "acme-dr"')),
    fileCase('duplicate keys hidden by an escape', text.replace('{', '{\n  "form\\u0061t": "x",')),
    mutate('another format', (d) => (d.format = 'keyturn-ledger-v2')),
    mutate('a newer schema version', (d) => (d.schemaVersion = 999)),
    mutate('a schema version as a string', (d) => ((d as unknown as Record<string, unknown>).schemaVersion = '5')),
    mutate('an unknown top-level field', (d) => ((d as unknown as Record<string, unknown>).signature = 'abc')),
    mutate('an unknown table', (d) => (d.tables.secrets = [{ id: 'x' }])),
    mutate('an unknown column in a row', (d) => (firstCluster(d).password = 'hunter2')),
    mutate('tables as an array', (d) => ((d as unknown as Record<string, unknown>).tables = [])),
    mutate('a table as an object', (d) => ((d.tables as Record<string, unknown>).runs = { id: 'x' })),
    mutate('spec_json that is not JSON', (d) => (firstCluster(d).spec_json = '{"name": ')),
    mutate('spec_json that is not a cluster', (d) => (firstCluster(d).spec_json = '{"hello": "world"}')),
    mutate('spec_json naming another cluster', (d) => (firstCluster(d).spec_json = JSON.stringify({ ...spec(d), name: 'someone-else' }))),
    mutate('spec_json with an inline secret', (d) => (firstCluster(d).spec_json = JSON.stringify({ ...spec(d), keycloak: { version: '26.7.0', options: { 'db-password': 'hunter2' } } }))),
    mutate('a ../ path as the cluster name', (d) => {
      firstCluster(d).name = '../../etc';
      firstCluster(d).spec_json = JSON.stringify({ ...spec(d), name: '../../etc' });
    }),
    mutate('a node of a cluster that is not there', (d) => (d.tables.nodes![0]!.cluster_id = 'no-such-cluster')),
    mutate('a run with an impossible status', (d) => (d.tables.runs![0]!.status = 'exploded')),
    mutate('a run of a cluster that is not there', (d) => (d.tables.runs![0]!.cluster_id = 'no-such-cluster')),
    mutate('a corrupted event among valid rows', (d) => (d.tables.events!.at(-1)!.data_json = '{"message": "cut')),
    mutate('an event with an unknown source', (d) => (d.tables.events![0]!.source = 'telepathy')),
    mutate('two clusters with one id', (d) => d.tables.clusters!.push({ ...firstCluster(d), name: 'acme-dr-2', spec_json: JSON.stringify({ ...spec(d), name: 'acme-dr-2' }) })),
    mutate('two events with one sequence number', (d) => d.tables.events!.push({ ...d.tables.events![0]! })),
    mutate('a cluster name of 64 characters', (d) => (firstCluster(d).name = 'a'.repeat(64))),
    mutate('an artifact with a short sha256', (d) => d.tables.artifacts!.push({ id: 'art', kind: 'keycloak', version: '26.7.0', path: '/x', sha256: 'abc', size: 1, source: 'maven', created_at: 'now' })),
    mutate('the cluster that already exists here (a conflict)', (d) => {
      firstCluster(d).name = 'acme-prod';
      firstCluster(d).spec_json = JSON.stringify({ ...spec(d), name: 'acme-prod' });
    }),
  ];
}

// ---------------------------------------------------------------- the fuzz itself

/** The outcome every malformed input must have. */
function expectRefused(c: FuzzCase, r: CliResult): void {
  const all = r.stdout + r.stderr;
  expect([2, 3, 4], `${c.name}: exit ${r.exitCode}\n${all.slice(0, 600)}`).toContain(r.exitCode);
  expect(r.stderr, c.name).toMatch(/^keyturn: \S/);
  expect(r.stderr, c.name).toMatch(/\n {2}hint: \S/);
  expect(all, c.name).not.toMatch(/Unexpected failure|This is a bug/);
}

let home: string;
let work: string;
let validExport: ExportDoc;
let validExportPath: string;

beforeAll(async () => {
  work = dirs.make();
  // The ledger under test: one cluster, so there is something to damage.
  home = dirs.make();
  expect((await keyturnIn(home, ['cluster', 'add', '--file', fixture('acme-prod.yaml')])).exitCode).toBe(0);
  // Another ledger with a cluster, a run, steps and events: a realistic valid export.
  const other = dirs.make();
  const drFile = join(work, 'acme-dr.yaml');
  writeFileSync(drFile, stringify(sampleSpec({ name: 'acme-dr' })));
  expect((await keyturnIn(other, ['cluster', 'add', '--file', drFile])).exitCode).toBe(0);
  const db = openLedger(join(other, 'ledger.sqlite'));
  const runId = createRun(db, { clusterId: getCluster(db, 'acme-dr').id, kind: 'upgrade', strategy: 'rolling', fromState: { version: '26.7.0' }, toState: { version: '26.7.3' } },
    [{ kind: 'preflight', title: 'Preflight', node: null }, { kind: 'node.drain', title: 'Drain n1', node: 'n1' }]);
  const redact = createRedactor([]);
  setRunStatus(db, runId, 'running', redact);
  for (const m of ['started', 'draining n1', 'done']) appendEvent(db, { runId, source: 'engine', node: null, level: 'info', kind: 'step.started', data: { message: m } }, redact);
  setRunStatus(db, runId, 'succeeded', redact);
  db.close();
  validExportPath = join(work, 'valid-export.json');
  expect((await keyturnIn(other, ['ledger', 'export', '--out', validExportPath])).exitCode).toBe(0);
  validExport = JSON.parse(readFileSync(validExportPath, 'utf8')) as ExportDoc;
});

describe('malformed input to the CLI (fuzz)', () => {
  it('the valid inputs the cases are made from are accepted, and do change a ledger (control)', async () => {
    const copy = dirs.make();
    await keyturnIn(copy, ['cluster', 'add', '--file', fixture('acme-prod.yaml')]);
    const before = ledgerDigest(copy);
    const imp = await keyturnIn(copy, ['ledger', 'import', validExportPath]);
    expect(imp.exitCode, imp.stderr).toBe(0);
    const good = join(work, 'good.yaml');
    writeFileSync(good, stringify(goodSpec()));
    const add = await keyturnIn(copy, ['cluster', 'add', '--file', good]);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(ledgerDigest(copy)).not.toBe(before);
  }, 3 * 60_000);

  it('refuses every malformed cluster file and every malformed ledger export, leaving the ledger byte-for-byte unchanged', async () => {
    const cluster = clusterCases();
    const ledger = ledgerCases(validExport);
    expect(cluster.length + ledger.length).toBeGreaterThanOrEqual(50);
    const before = ledgerDigest(home);
    const seen = new Set<string>();
    for (const c of cluster) {
      expect(seen.has(`cluster:${c.name}`), `duplicate case name ${c.name}`).toBe(false);
      seen.add(`cluster:${c.name}`);
      const r = await keyturnIn(home, ['cluster', 'add', '--file', c.make(work)]);
      expectRefused(c, r);
      expect(ledgerDigest(home), `ledger changed after cluster file: ${c.name}`).toBe(before);
    }
    for (const c of ledger) {
      const r = await keyturnIn(home, ['ledger', 'import', c.make(work)]);
      expectRefused(c, r);
      expect(ledgerDigest(home), `ledger changed after import: ${c.name}`).toBe(before);
    }
    // The same with --json: the error as JSON on stdout, same exit code.
    const bomb = fileCase('alias bomb, --json', aliasBomb).make(work);
    const j = await keyturnIn(home, ['cluster', 'add', '--file', bomb, '--json']);
    expect(j.exitCode).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'invalid-input', message: expect.stringContaining(bomb) as string, hint: expect.any(String) as string } });
    expect(ledgerDigest(home)).toBe(before);
    // Reported for the record: how many inputs ran.
    console.info(`cli fuzz: ${cluster.length} cluster files, ${ledger.length} ledger exports`);
  }, 10 * 60_000);

  it('names the file and what is wrong for the two classes that used to be "unexpected failures"', async () => {
    const bomb = fileCase('bomb', aliasBomb).make(work);
    const r1 = await keyturnIn(home, ['cluster', 'add', '--file', bomb]);
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toContain(`Cluster file ${bomb}`);
    expect(r1.stderr).toMatch(/aliases \(\*name\) expand too far/);
    const r2 = await keyturnIn(home, ['cluster', 'add', '--file', work]);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain(`Cluster file ${work} is a directory, not a file.`);
    const r3 = await keyturnIn(home, ['ledger', 'import', work]);
    expect(r3.exitCode).toBe(2);
    expect(r3.stderr).toContain(`Ledger export ${work} is a directory, not a file.`);
    const r4 = await keyturnIn(home, ['cluster', 'add', '--file', join(work, 'missing.yaml')]);
    expect(r4.exitCode).toBe(3);
    expect(r4.stderr).toContain('does not exist');
  }, 3 * 60_000);

  it('refuses the same hostile files through the real bin/keyturn.js process', async () => {
    const before = ledgerDigest(home);
    const fifo = join(work, 'bin-fifo');
    execFileSync('mkfifo', [fifo]);
    const bomb = fileCase('bomb', aliasBomb).make(work);
    const truncated = fileCase('truncated', JSON.stringify(validExport).slice(0, 500)).make(work);
    const runs: [string[], number, RegExp][] = [
      [['cluster', 'add', '--file', bomb], 2, /aliases/],
      [['cluster', 'add', '--file', work], 2, /is a directory/],
      [['cluster', 'add', '--file', fifo], 2, /named pipe \(FIFO\)/],
      [['cluster', 'add', '--file', '/dev/zero'], 2, /is a device/],
      [['ledger', 'import', truncated], 2, /not valid JSON \(line 1, column \d+\)/],
      [['ledger', 'import', join(work, 'nope.json')], 3, /does not exist/],
    ];
    for (const [args, code, message] of runs) {
      const r = await keyturnBin(home, args, { timeout: 60_000 });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
      expect(r.stderr).not.toMatch(/Unexpected failure/);
    }
    expect(ledgerDigest(home)).toBe(before);
  }, 10 * 60_000);

  it('refuses a file this user may not read (run as an unprivileged user when the tests run as root)', async () => {
    const secret = join(work, 'unreadable.yaml');
    writeFileSync(secret, stringify(goodSpec()));
    chmodSync(secret, 0o000);
    const asRoot = process.getuid?.() === 0;
    // root reads anything: the refusal is what a normal user sees, so run the CLI as `nobody` with its own ledger.
    const h = asRoot ? dirs.make() : home;
    const asNobody = { timeout: 60_000, env: { HOME: h }, uid: 65534, gid: 65534 };
    if (asRoot) {
      chmodSync(h, 0o777);
      chmodSync(work, 0o755);
      expect((await keyturnBin(h, ['cluster', 'list'], asNobody)).exitCode).toBe(0);
    }
    const before = ledgerDigest(h);
    const r = asRoot
      ? await keyturnBin(h, ['cluster', 'add', '--file', secret], asNobody)
      : await keyturnIn(h, ['cluster', 'add', '--file', secret]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain(`Cluster file ${secret} cannot be read: permission denied.`);
    expect(r.stderr).toMatch(/hint: Make it readable/);
    expect(ledgerDigest(h)).toBe(before);
  }, 5 * 60_000);
});
