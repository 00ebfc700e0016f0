import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyturnError } from '../../shared/errors.ts';
import { createRedactor } from './redact.ts';
import { parseTerraformLine, terraformApply, terraformDestroy, terraformInit, terraformOutput, type TerraformEvent } from './terraform.ts';

/** Real lines captured from `terraform apply -json` (Terraform 1.11.4, terraform_data + local-exec). */
const sample = readFileSync(new URL('./fixtures/terraform-ui.jsonl', import.meta.url), 'utf8').split('\n').filter(Boolean);

describe('parseTerraformLine', () => {
  it('parses every captured line into a typed event', () => {
    const events = sample.map((l) => parseTerraformLine(l));
    expect(events.every((e) => e !== null && e.kind.startsWith('terraform.'))).toBe(true);
    expect(events.map((e) => e!.kind)).toEqual([
      'terraform.version',
      'terraform.apply_start',
      'terraform.provision_start',
      'terraform.provision_progress',
      'terraform.provision_progress',
      'terraform.provision_progress',
      'terraform.provision_complete',
      'terraform.apply_complete',
      'terraform.provision_errored',
      'terraform.apply_errored',
      'terraform.diagnostic',
      'terraform.refresh_start',
    ]);
  });

  it('takes the resource from hook.resource.addr and keeps the payload in data', () => {
    const complete = parseTerraformLine(sample[7]!)!;
    expect(complete).toMatchObject({ kind: 'terraform.apply_complete', level: 'info', resource: 'terraform_data.x' });
    expect(complete.message).toMatch(/^terraform_data\.x: Creation complete after 0s/);
    expect(complete.data).toMatchObject({ hook: { action: 'create', id_key: 'id' }, timestamp: expect.stringMatching(/^20\d\d-/) });
    expect(complete.data).not.toHaveProperty('@message');
    const progress = parseTerraformLine(sample[4]!)!;
    expect(progress.data).toMatchObject({ hook: { provisioner: 'local-exec', output: 'hi' } });
    expect(parseTerraformLine(sample[0]!)).toMatchObject({ kind: 'terraform.version', data: { terraform: '1.11.4' } });
  });

  it('raises *_errored to error (terraform labels them info) and reads diagnostics', () => {
    expect(parseTerraformLine(sample[8]!)).toMatchObject({ kind: 'terraform.provision_errored', level: 'error', resource: 'terraform_data.bad' });
    expect(parseTerraformLine(sample[9]!)).toMatchObject({ kind: 'terraform.apply_errored', level: 'error' });
    const diag = parseTerraformLine(sample[10]!)!;
    expect(diag).toMatchObject({ kind: 'terraform.diagnostic', level: 'error', resource: 'terraform_data.bad', message: 'Error: local-exec provisioner error' });
    expect(diag.data).toMatchObject({ diagnostic: { severity: 'error', summary: 'local-exec provisioner error' } });
  });

  it('turns plain text into terraform.log and ignores blank lines', () => {
    expect(parseTerraformLine('Initializing the backend...')).toEqual({ kind: 'terraform.log', level: 'info', message: 'Initializing the backend...', data: { stream: 'stdout' } });
    expect(parseTerraformLine('│ Warning: Unable to open CLI configuration file', 'stderr')).toMatchObject({ kind: 'terraform.log', level: 'warn' });
    expect(parseTerraformLine('{not json')).toMatchObject({ kind: 'terraform.log' });
    expect(parseTerraformLine('   ')).toBeNull();
    expect(parseTerraformLine('{"@level":"warn","@message":"Warning: x","type":"diagnostic","diagnostic":{"severity":"warning","summary":"x"}}')).toMatchObject({ level: 'warn' });
  });
});

describe('terraform against the real binary', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keyturn-tf-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('applies, reports outputs and destroys a terraform_data resource, streaming typed events', async () => {
    const work = join(dir, 'ok');
    await mkdir(work);
    await writeFile(
      join(work, 'main.tf'),
      [
        'variable "greeting" { type = string }',
        'variable "token" {',
        '  type      = string',
        '  sensitive = true',
        '}',
        'resource "terraform_data" "x" {',
        '  input = var.greeting',
        '  provisioner "local-exec" {',
        // The last command prints terraform's own -var-file argument (the provisioner's parent is terraform): which file this run used.
        '    command = "echo ${var.greeting}; echo token=${nonsensitive(var.token)}; xargs -0 -n1 < /proc/$PPID/cmdline | grep -e -var-file="',
        '  }',
        '}',
        'output "greeting" { value = terraform_data.x.output }',
        '',
      ].join('\n'),
    );
    const events: TerraformEvent[] = [];
    const redact = createRedactor(['tf-secret-value-42']);
    await terraformInit({ dir: work, onEvent: (e) => events.push(e) });
    expect(events.some((e) => e.kind === 'terraform.log' && e.message.includes('Terraform has been successfully initialized'))).toBe(true);

    events.length = 0;
    const applied = await terraformApply({ dir: work, vars: { greeting: 'hello' }, secretVars: { token: 'tf-secret-value-42' }, redact, onEvent: (e) => events.push(e) });
    expect(applied.changes).toEqual({ add: 1, change: 0, remove: 0, import: 0 });
    const kinds = events.map((e) => e.kind);
    expect(kinds).toContain('terraform.version');
    expect(kinds.indexOf('terraform.apply_start')).toBeLessThan(kinds.indexOf('terraform.apply_complete'));
    expect(events.find((e) => e.kind === 'terraform.apply_complete')).toMatchObject({ resource: 'terraform_data.x', level: 'info' });
    const progress = events.filter((e) => e.kind === 'terraform.provision_progress');
    expect(progress.some((e) => e.message.endsWith('(local-exec): hello'))).toBe(true);
    expect(progress.some((e) => e.message.includes('token=***'))).toBe(true);
    expect(JSON.stringify(events)).not.toContain('tf-secret-value-42');
    // The secret var file lived outside the configuration, in its own private temp dir, and is gone afterwards
    // (checked for this run's file only: another run, or one that crashed earlier, may have its own).
    const varFile = progress.map((e) => /\(local-exec\): -var-file=(\S+)$/.exec(e.message)?.[1]).find((f) => f !== undefined);
    expect(varFile).toMatch(new RegExp(`^${tmpdir()}/keyturn-tfvars-[^/]+/secret\\.tfvars\\.json$`));
    expect(existsSync(varFile!)).toBe(false);
    expect(existsSync(dirname(varFile!))).toBe(false);

    const outputs = await terraformOutput({ dir: work });
    expect(outputs['greeting']).toEqual({ value: 'hello', type: 'string', sensitive: false });

    events.length = 0;
    const destroyed = await terraformDestroy({ dir: work, vars: { greeting: 'hello' }, secretVars: { token: 'tf-secret-value-42' }, onEvent: (e) => events.push(e) });
    expect(destroyed.changes).toMatchObject({ remove: 1 });
    expect(events.find((e) => e.kind === 'terraform.apply_complete')).toMatchObject({ resource: 'terraform_data.x', data: { hook: { action: 'delete' } } });
  });

  it('throws tool-failed carrying the diagnostic when a provisioner fails', async () => {
    const work = join(dir, 'bad');
    await mkdir(work);
    await writeFile(join(work, 'main.tf'), 'resource "terraform_data" "bad" {\n  provisioner "local-exec" {\n    command = "echo about-to-fail; exit 3"\n  }\n}\n');
    await terraformInit({ dir: work });
    const events: TerraformEvent[] = [];
    const err = await terraformApply({ dir: work, onEvent: (e) => events.push(e) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KeyturnError);
    const ke = err as KeyturnError;
    expect(ke.code).toBe('tool-failed');
    expect(ke.message).toContain('local-exec provisioner error (terraform_data.bad)');
    expect(ke.message).toContain('exit status 3');
    expect(ke.details).toMatchObject({ failedResources: ['terraform_data.bad'] });
    expect(events.some((e) => e.kind === 'terraform.apply_errored' && e.level === 'error')).toBe(true);
  });

  it('reports configuration errors from diagnostics, and bad variable names before running', async () => {
    const work = join(dir, 'undeclared');
    await mkdir(work);
    await writeFile(join(work, 'main.tf'), 'resource "terraform_data" "y" {}\n');
    await terraformInit({ dir: work });
    const err = (await terraformApply({ dir: work, vars: { nope: 1 } }).catch((e: unknown) => e)) as KeyturnError;
    expect(err.code).toBe('tool-failed');
    expect(err.message).toContain('Value for undeclared variable');
    const bad = (await terraformApply({ dir: work, vars: { 'x=y': 'z' } }).catch((e: unknown) => e)) as KeyturnError;
    expect(bad.code).toBe('invalid-input');
  });
});
