import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedCheck, checkKey, rememberCheck } from './check-cache.ts';

const base = { distributionSha256: 'd', metadataSha256: 'm', options: { a: '1', b: '2' }, secretOptionNames: ['db-password'], javaHome: '/jdk' };
const dirs: string[] = [];
const root = async () => {
  const d = await mkdtemp(join(tmpdir(), 'keyturn-check-cache-'));
  dirs.push(d);
  return d;
};
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('checkKey', () => {
  it('does not depend on option order', () => {
    expect(checkKey({ ...base, options: { b: '2', a: '1' }, secretOptionNames: ['db-password'] })).toBe(checkKey(base));
  });
  it('changes with anything the check depends on', () => {
    const k = checkKey(base);
    for (const other of [{ distributionSha256: 'x' }, { metadataSha256: 'x' }, { options: { a: '1', b: '3' } }, { secretOptionNames: [] }, { javaHome: '/other' }]) {
      expect(checkKey({ ...base, ...other })).not.toBe(k);
    }
  });
});

describe('remember and answer', () => {
  const outcome = { exitCode: 0, verdict: 'rolling' as const, output: '[OK] Rolling Update is available.', durationMs: 1500, command: ['kc.sh', 'update-compatibility', 'check'] };
  it('answers a remembered verdict', async () => {
    const r = await root();
    const key = checkKey(base);
    expect(await cachedCheck(r, key)).toBeNull();
    await rememberCheck(r, key, outcome);
    expect(await cachedCheck(r, key)).toMatchObject({ exitCode: 0, verdict: 'rolling', output: outcome.output });
  });
  it('never keeps an error, so a failed check always runs again', async () => {
    const r = await root();
    const key = checkKey(base);
    await rememberCheck(r, key, { ...outcome, exitCode: 2, verdict: 'error' as never });
    expect(await cachedCheck(r, key)).toBeNull();
  });
  it('ignores an unreadable or foreign entry', async () => {
    const r = await root();
    const key = checkKey(base);
    await mkdir(join(r, 'check-answers'), { recursive: true });
    await writeFile(join(r, 'check-answers', `${key}.json`), '{"exitCode": 1');
    expect(await cachedCheck(r, key)).toBeNull();
    await writeFile(join(r, 'check-answers', `${key}.json`), JSON.stringify({ ...outcome, exitCode: 1, answeredAt: 'x' }));
    expect(await cachedCheck(r, key)).toBeNull();
  });
});
