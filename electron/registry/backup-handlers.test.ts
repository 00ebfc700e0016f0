/**
 * The console's reach for the databases a restore kept, through the one
 * registry (what Electron IPC and the browser bridge serve), against a real
 * PostgreSQL started by this file: `backups:retained` lists them,
 * `backups:prune` drops one only when its name is typed again (a wrong
 * confirmation, an unknown name or the live database drop nothing), and
 * `backups:lostWrites` counts what a restore would lose, in contract shape.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSpecSchema, lostWritesSchema, retainedDatabaseSchema, type Backup } from '../../shared/contract/index.ts';
import { sampleSpec } from '../../test/unit/spec-factory.ts';
import { addChangeSet, seedKeycloakLikeSchema, startPostgres, type TestPostgres } from '../tools/test-support/postgres.ts';
import { dispatch, type Handlers } from './dispatch.ts';
import { createHandlers } from './handlers.ts';
import { createServices, type Services } from './services.ts';

const PASSWORD = 'bh-Secret-3f9e21';
const ctx = { transport: 'test' as const };
let pg: TestPostgres;
let home: string;
let services: Services;
let handlers: Handlers;
let backup: Backup;
let keptAs: string;

const databases = async () => (await pg.admin("SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database;\n")).trim().split(',');

beforeAll(async () => {
  pg = await startPostgres('127.0.40.9');
  await pg.createRoleAndDatabase('kc', PASSWORD, 'keycloak', { createdb: true });
  await seedKeycloakLikeSchema(pg, 'keycloak', 'kc', 3, ['master']);
  home = mkdtempSync(join(tmpdir(), 'keyturn-backup-handlers-'));
  const passwordFile = join(home, 'db-password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  services = createServices({ home, mode: 'cli' });
  services.clusters.register(clusterSpecSchema.parse(sampleSpec({ name: 'acme', database: { host: pg.host, port: pg.port, name: 'keycloak', user: 'kc', passwordRef: { file: passwordFile } } })));
  handlers = createHandlers(services);
  backup = await services.backups.create('acme');
  await addChangeSet(pg, 'keycloak', '99.0.0-upgrade');
  keptAs = (await services.backups.restoreBeside(backup.id)).keptAs;
}, 120_000);

afterAll(async () => {
  services?.close();
  await pg?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('backups:retained', () => {
  it('lists the kept database in contract shape; an unknown cluster is not-found', async () => {
    const r = await dispatch(handlers, 'backups:retained', { cluster: 'acme' }, ctx);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const list = retainedDatabaseSchema.array().parse(r.data);
    expect(list).toMatchObject([{ name: keptAs, clusterName: 'acme', host: pg.host, port: pg.port, backupId: backup.id, droppedAt: null }]);
    expect(await dispatch(handlers, 'backups:retained', { cluster: 'nope' }, ctx)).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});

describe('backups:lostWrites', () => {
  it('answers what a restore of the backup would lose, in contract shape', async () => {
    const r = await dispatch(handlers, 'backups:lostWrites', { id: backup.id }, ctx);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const lost = lostWritesSchema.parse(r.data);
    expect(lost).toMatchObject({ backupId: backup.id, since: backup.createdAt });
    // This schema has no user, event or session tables: each item says it cannot be counted rather than claiming zero.
    expect(lost.items.every((i) => i.count === null)).toBe(true);
    expect(await dispatch(handlers, 'backups:lostWrites', { id: '00000000-0000-4000-8000-000000000000' }, ctx)).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});

describe('backups:prune', () => {
  it('drops nothing without the name typed again, for a name that is not kept, or for the live database', async () => {
    const before = await databases();
    const wrong = await dispatch(handlers, 'backups:prune', { cluster: 'acme', name: keptAs, confirm: keptAs.slice(0, -1) }, ctx);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('confirm: type the database name exactly') as string } });
    const missing = await dispatch(handlers, 'backups:prune', { cluster: 'acme', confirm: keptAs }, ctx);
    expect(missing).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const live = await dispatch(handlers, 'backups:prune', { cluster: 'acme', name: 'keycloak', confirm: 'keycloak' }, ctx);
    expect(live).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining('no kept database named "keycloak"') as string } });
    expect(await databases()).toEqual(before);
    expect(services.backups.retained('acme').map((k) => k.name)).toEqual([keptAs]);
  });

  it('drops the kept database named and confirmed, and records when', async () => {
    const r = await dispatch(handlers, 'backups:prune', { cluster: 'acme', name: keptAs, confirm: keptAs }, ctx);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const dropped = retainedDatabaseSchema.parse(r.data);
    expect(dropped).toMatchObject({ name: keptAs, clusterName: 'acme' });
    expect(dropped.droppedAt).not.toBeNull();
    const names = await databases();
    expect(names).not.toContain(keptAs);
    expect(names).toContain('keycloak');
    expect(services.backups.retained('acme')).toEqual([]);
    // Pruned once: a second call finds nothing kept under that name.
    expect(await dispatch(handlers, 'backups:prune', { cluster: 'acme', name: keptAs, confirm: keptAs }, ctx)).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});
