import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { upsertArtifact } from '../ledger/artifacts-repo.ts';
import { openLedger } from '../ledger/open-ledger.ts';
import { createArtifactService } from './artifact-service.ts';

const dir = mkdtempSync(join(tmpdir(), 'keyturn-artifacts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('artifact verification', () => {
  it('still refuses a stored distribution changed after an earlier verification', async () => {
    const db = openLedger(':memory:');
    const path = join(dir, 'keycloak-quarkus-dist-26.7.3.zip');
    const bytes = Buffer.from('the distribution as first seen');
    writeFileSync(path, bytes);
    upsertArtifact(db, { version: '26.7.3', path, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, source: 'import' });
    const artifacts = createArtifactService(db, dir);
    await expect(artifacts.ensure('26.7.3')).resolves.toMatchObject({ path });
    await expect(artifacts.ensure('26.7.3')).resolves.toMatchObject({ path }); // unchanged: answered without a re-read

    // same size, other bytes, and the old mtime put back: the change time still moves
    writeFileSync(path, Buffer.from('the distribution, tampered'.padEnd(bytes.length, '!').slice(0, bytes.length)));
    utimesSync(path, new Date(0), new Date(0));
    await expect(artifacts.ensure('26.7.3')).rejects.toMatchObject({ code: 'artifact-failed' });
  });
});
