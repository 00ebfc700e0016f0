/**
 * Issue 10 item 3 against a real ledger on disk: a run's events, a failed
 * step, the run's error with its details, and the ledger export carry none of
 * the planted secrets: a DB password, a client secret, a TSIG key, a short
 * one, one learned mid-run, and one inside a URL that no one declared secret.
 * The check reads the raw bytes of the SQLite file, its WAL and the export
 * (test/support/planted-secrets.ts, reused by the lab test).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { findPlantedSecrets, ledgerFiles } from '../../test/support/planted-secrets.ts';
import { exportLedger } from '../ledger/export-import.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { appendEvent, createRun, getRun, listEvents, setRunStatus } from '../ledger/runs-repo.ts';
import { EventBus, recordEvent } from '../runs/event-bus.ts';
import { createRedactor } from '../tools/redact.ts';
import { beginRun } from '../runs/run-recorder.ts';

const dir = mkdtempSync(join(tmpdir(), 'keyturn-redaction-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const planted = {
  'db password': 'Db-Pa55word-9f3k',
  'client secret': 'cs-7YhQ2mX9pL4wZ8',
  'tsig key': 'aGVsbG8tdHNpZy1rZXktZm9yLWxhYg==',
  'short secret': 'Zq7',
  'learned mid-run': 'Learned-Secret-42',
  // never handed to the recorder: only the URL user-info rule can hide it
  'password inside a URL': 'uRlP4ss-x2',
};
const s = planted;
const declared = [s['db password'], s['client secret'], s['tsig key'], s['short secret']];
const owner = `${process.pid}@${(await import('node:os')).hostname()}`;

async function plantedRun(dbPath: string) {
  const db = openLedger(dbPath);
  const bus = new EventBus();
  const emitted: unknown[] = [];
  bus.subscribe((e) => emitted.push(e));
  const rec = beginRun({ db, bus, owner }, 'redaction-test', { clusterId: null, kind: 'upgrade' }, [{ kind: 'install', title: 'Install on n1' }], declared);
  rec.event('ansible', 'task.output', 'info', {
    message: `connecting with password ${s['db password']}`,
    stdout: `PGPASSWORD=${s['db password']} psql -h db.example`,
    nested: { argv: ['kc.sh', '--client-secret', s['client secret']], env: { KC_DB_PASSWORD: s['db password'] } },
    note: JSON.stringify({ client_secret: s['client secret'], realm: 'lab' }),
    form: `grant_type=client_credentials&client_secret=${encodeURIComponent(s['client secret'])}`,
    tsig: `key "lab.example." { algorithm hmac-sha256; secret "${s['tsig key']}"; };`,
    shortInText: `pin ${s['short secret']} accepted`,
    shortValue: s['short secret'],
    url: `db-url=jdbc:postgresql://keycloak:${s['password inside a URL']}@db.example:5432/keycloak`,
  });
  rec.addSecrets(s['learned mid-run']);
  rec.event('engine', 'probe.client', 'info', { message: `probe client uses ${s['learned mid-run']}` });
  const failure = new KeyturnError('tool-failed', `psql failed (PGPASSWORD=${s['db password']})`, `Check the secret ${s['client secret']}.`, {
    stderr: `FATAL: key ${s['tsig key']} refused; pin ${s['short secret']}`,
    command: ['psql', `postgresql://keycloak:${s['password inside a URL']}@db.example/kc`],
    lastLines: [`learned ${s['learned mid-run']}`],
  });
  await expect(rec.step(0, async () => Promise.reject(failure))).rejects.toBe(failure);
  rec.fail(failure);
  return { db, runId: rec.runId, emitted };
}

describe('one redactor on every ledger write (real SQLite file on disk)', () => {
  it('stores events, the failed step and the run error with details without any planted secret, in the file, the WAL and the export', async () => {
    const dbPath = join(dir, 'ledger.sqlite');
    const { db, runId, emitted } = await plantedRun(dbPath);

    // what was stored is masked where the secrets stood, and the rest is intact
    const events = listEvents(db, runId);
    const first = events.find((e) => e.kind === 'task.output')!.data;
    expect(first.url).toBe('db-url=jdbc:postgresql://keycloak:***@db.example:5432/keycloak');
    expect(first.shortInText).toBe('pin *** accepted');
    expect(first.shortValue).toBe('***');
    expect(first.tsig).toBe('key "lab.example." { algorithm hmac-sha256; secret "***"; };');
    expect(first.stdout).toBe('PGPASSWORD=*** psql -h db.example');
    expect(emitted).toEqual(events); // what listeners saw is what was stored
    const { run, steps } = getRun(db, runId);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'tool-failed', message: 'psql failed (PGPASSWORD=***)', hint: 'Check the secret ***.' });
    expect(steps[0]).toMatchObject({ status: 'failed', error: 'psql failed (PGPASSWORD=***)' });
    const details = JSON.parse((db.prepare('SELECT error_json FROM runs WHERE id = ?').get(runId) as { error_json: string }).error_json).details;
    expect(details).toEqual({ stderr: 'FATAL: key *** refused; pin ***', command: ['psql', 'postgresql://keycloak:***@db.example/kc'], lastLines: ['learned ***'] });

    const exportFile = join(dir, 'export.json');
    writeFileSync(exportFile, JSON.stringify(exportLedger(db), null, 2));
    const files = [...ledgerFiles(dbPath), exportFile];
    expect(files).toContain(`${dbPath}-wal`); // the WAL was read while it held the writes
    expect(findPlantedSecrets(files, planted)).toEqual([]);

    db.close(); // checkpoints the WAL into the main file
    expect(findPlantedSecrets([...ledgerFiles(dbPath), exportFile], planted)).toEqual([]);
  });

  it('the grep is not vacuous: it finds each secret, in each form, when one is written unredacted', () => {
    const dbPath = join(dir, 'control.sqlite');
    const db = openLedger(dbPath);
    const runId = createRun(db, { clusterId: null, kind: 'upgrade' });
    // the only way past the redactor is raw SQL, which only ledger/ may write
    db.prepare("INSERT INTO events (run_id, seq, at, source, node, level, kind, data_json) VALUES (?, 0, 'now', 'engine', NULL, 'info', 'raw', ?)")
      .run(runId, JSON.stringify({ all: Object.values(planted).join(' | ') }));
    const found = findPlantedSecrets(ledgerFiles(dbPath), planted);
    expect(new Set(found.map((f) => f.secret))).toEqual(new Set(Object.keys(planted)));
    db.close();

    const text = join(dir, 'forms.txt');
    writeFileSync(text, `${encodeURIComponent(s['tsig key'])} ${JSON.stringify('a"' + s['client secret'])} ${Buffer.from(s['db password']).toString('base64')} upward pwd`);
    expect(findPlantedSecrets([text], { tsig: s['tsig key'], client: s['client secret'], db: s['db password'] }).map((f) => f.form).sort()).toEqual(['base64', 'plain', 'url-encoded']);
    expect(findPlantedSecrets([text], { short: 'pw' })).toEqual([]); // 'upward', 'pwd' contain it, but not as a token
    expect(() => findPlantedSecrets([join(dir, 'missing')], planted)).toThrow(/does not exist/);
  });

  it('requires a redactor by type on every write path', () => {
    const db = openLedger(':memory:');
    const bus = new EventBus();
    const runId = createRun(db, { clusterId: null, kind: 'upgrade' });
    const e = { runId, source: 'engine' as const, node: null, level: 'info' as const, kind: 'x', data: { password: 'hunter2', url: 'https://tok3n@h.example/' } };
    const never = () => {
      // @ts-expect-error a redactor is required
      recordEvent(db, bus, e);
      // @ts-expect-error an identity function is not a Redactor: only createRedactor makes one
      appendEvent(db, e, (t: string) => t);
      // @ts-expect-error a run error is stored only through a redactor
      setRunStatus(db, runId, 'failed', { code: 'internal', message: 'x', hint: 'y' });
    };
    expect(typeof never).toBe('function');
    // even with no secrets known, the patterns and secret-looking keys apply
    expect(recordEvent(db, bus, e, createRedactor([])).data).toEqual({ password: '***', url: 'https://***@h.example/' });
  });
});
