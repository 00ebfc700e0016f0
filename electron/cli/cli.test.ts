/** The CLI as a user runs it: the real `bin/keyturn.js` in a child process, one temp KEYTURN_HOME per ledger. */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = process.cwd();
const homes: string[] = [];
const newHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'keyturn-cli-'));
  homes.push(h);
  return h;
};
afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

const keyturn = (home: string, args: string[]) =>
  execa(process.execPath, [join(root, 'bin', 'keyturn.js'), ...args], { env: { KEYTURN_HOME: home }, reject: false });
const fixture = (f: string) => join(root, 'test', 'fixtures', f);
/** Each test starts several node+tsx processes; on a busy two-core machine one takes seconds. A bound, not a timing claim. */
const manyProcesses = 5 * 60_000;

describe('keyturn CLI round trip', () => {
  it('adds, lists, exports and imports into a fresh ledger', async () => {
    const a = newHome();
    const add = await keyturn(a, ['cluster', 'add', '--file', fixture('acme-prod.yaml')]);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/Registered cluster 'acme-prod'/);

    const list = await keyturn(a, ['cluster', 'list', '--json']);
    expect(list.exitCode).toBe(0);
    const clusters = JSON.parse(list.stdout) as { name: string; nodeCount: number; version: string }[];
    expect(clusters).toMatchObject([{ name: 'acme-prod', nodeCount: 2, version: '26.7.0' }]);

    const human = await keyturn(a, ['cluster', 'list']);
    expect(human.stdout).toMatch(/acme-prod\s+production\s+26\.7\.0\s+2/);

    const exportFile = join(a, 'export.json');
    const exp = await keyturn(a, ['ledger', 'export', '--out', exportFile]);
    expect(exp.exitCode, exp.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(exportFile, 'utf8')) as { format: string };
    expect(doc.format).toBe('keyturn-ledger');
    expect(readFileSync(exportFile, 'utf8')).not.toMatch(/hunter2/);

    const b = newHome();
    const imp = await keyturn(b, ['ledger', 'import', exportFile, '--json']);
    expect(imp.exitCode, imp.stdout + imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ clusters: 1 });
    const listB = await keyturn(b, ['cluster', 'show', 'acme-prod', '--json']);
    expect(JSON.parse(listB.stdout)).toMatchObject({ name: 'acme-prod', spec: { keycloak: { secretOptions: { 'db-password': { env: 'ACME_DB_PASSWORD' } } } } });

    // importing the same export again is a conflict, and nothing changes
    const again = await keyturn(b, ['ledger', 'import', exportFile]);
    expect(again.exitCode).toBe(4);
    expect(again.stderr).toMatch(/already exists/);
    expect(again.stderr).toMatch(/hint: .*--skip-existing/);
    const skip = await keyturn(b, ['ledger', 'import', exportFile, '--skip-existing', '--json']);
    expect(JSON.parse(skip.stdout)).toMatchObject({ clusters: 0, skipped: ['acme-prod'] });
  }, manyProcesses);

  it('refuses a malformed cluster file, naming the position, and writes nothing', async () => {
    const h = newHome();
    await keyturn(h, ['cluster', 'add', '--file', fixture('acme-prod.yaml')]);
    const before = (await keyturn(h, ['ledger', 'export'])).stdout;
    const r = await keyturn(h, ['cluster', 'add', '--file', fixture('malformed.yaml')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/not valid YAML or JSON \(line \d+, column \d+\)/);
    expect(r.stderr).toMatch(/hint: /);
    const after = (await keyturn(h, ['ledger', 'export'])).stdout;
    expect(after.replace(/"exportedAt": ".*"/, '')).toBe(before.replace(/"exportedAt": ".*"/, ''));
  }, manyProcesses);

  it('refuses inline secrets and says where they belong', async () => {
    const h = newHome();
    const r = await keyturn(h, ['cluster', 'add', '--file', fixture('inline-secret.yaml'), '--json']);
    expect(r.exitCode).toBe(2);
    const err = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('invalid-input');
    expect(err.error.message).toMatch(/db-password.*secretOptions/);
    expect(r.stdout).not.toMatch(/hunter2/);
    expect(JSON.parse((await keyturn(h, ['cluster', 'list', '--json'])).stdout)).toEqual([]);
  }, manyProcesses);

  it('refuses a malformed ledger import and loses nothing already recorded', async () => {
    const h = newHome();
    await keyturn(h, ['cluster', 'add', '--file', fixture('acme-prod.yaml')]);
    const bad = join(h, 'bad.json');
    writeFileSync(bad, '{"format": "keyturn-ledger", "schemaVersion": 1, "tables": ');
    const r1 = await keyturn(h, ['ledger', 'import', bad]);
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toMatch(/not valid JSON/);
    writeFileSync(bad, JSON.stringify({ format: 'something-else', tables: {} }));
    const r2 = await keyturn(h, ['ledger', 'import', bad]);
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toMatch(/Not a Keyturn ledger export/);
    const list = JSON.parse((await keyturn(h, ['cluster', 'list', '--json'])).stdout) as unknown[];
    expect(list).toHaveLength(1);
  }, manyProcesses);

  it('uses meaningful exit codes for usage errors, unknown clusters and unconfirmed removal', async () => {
    const h = newHome();
    expect((await keyturn(h, ['frobnicate'])).exitCode).toBe(2);
    expect((await keyturn(h, ['cluster', 'add'])).exitCode).toBe(2);
    const missing = await keyturn(h, ['cluster', 'show', 'nope']);
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toMatch(/No cluster named 'nope'/);
    await keyturn(h, ['cluster', 'add', '--file', fixture('acme-prod.yaml')]);
    const unconfirmed = await keyturn(h, ['cluster', 'remove', 'acme-prod']);
    expect(unconfirmed.exitCode).toBe(2);
    expect(unconfirmed.stderr).toMatch(/--yes/);
    expect((await keyturn(h, ['cluster', 'remove', 'acme-prod', '--yes'])).exitCode).toBe(0);
    expect(JSON.parse((await keyturn(h, ['cluster', 'list', '--json'])).stdout)).toEqual([]);
    expect((await keyturn(h, ['--help'])).exitCode).toBe(0);
  }, manyProcesses);
});
