/** The cluster file shown in the README is what the schema accepts, so the example stays true. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clusterSpecSchema } from '../../shared/contract/index.ts';

describe('README cluster file', () => {
  it('is a valid cluster spec', () => {
    const md = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const block = md.split('```yaml\n')[1]?.split('```')[0];
    expect(block, 'README has a yaml example').toBeTruthy();
    const r = clusterSpecSchema.safeParse(parse(block!));
    expect(r.success ? [] : r.error.issues).toEqual([]);
    expect(r.data?.ansible).toMatchObject({ phased: true, stopPlaybook: './ansible/stop.yml' });
  });
});
