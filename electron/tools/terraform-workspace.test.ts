/**
 * Workspaces per colour against the real terraform, on a tiny module
 * (`terraform_data` + local-exec, no provider download) that takes a `colour`
 * variable, as a customer's cluster module does for blue/green.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terraformApply, terraformDestroy, terraformInit, terraformOutput, type TerraformEvent } from './terraform.ts';
import { checkWorkspaceName, deleteWorkspace, listWorkspaces, selectOrCreateWorkspace, workspaceEnv } from './terraform-workspace.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyturn-tf-ws-'));
  await writeFile(
    join(dir, 'main.tf'),
    [
      'variable "colour" { type = string }',
      'resource "terraform_data" "node" {',
      '  input = "node-${var.colour}"',
      '  provisioner "local-exec" {',
      // Each colour leaves a file behind, so the test can see which colours were really created and destroyed.
      '    command = "echo created > ${path.module}/made-${var.colour}"',
      '  }',
      '  provisioner "local-exec" {',
      '    when    = destroy',
      '    command = "rm -f ${path.module}/made-${trimprefix(self.output, "node-")}"',
      '  }',
      '}',
      'output "node" { value = terraform_data.node.output }',
      'output "workspace" { value = terraform.workspace }',
      '',
    ].join('\n'),
  );
  await terraformInit({ dir });
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const stateOf = (ws: string) => JSON.parse(readFileSync(join(dir, 'terraform.tfstate.d', ws, 'terraform.tfstate'), 'utf8')) as { resources: { type: string }[] };

describe('workspaces per colour', () => {
  it('applies the module in blue and green, reads each one\'s outputs, and destroying green leaves blue intact', async () => {
    expect(await listWorkspaces({ dir })).toEqual({ current: 'default', workspaces: ['default'] });

    const events: TerraformEvent[] = [];
    expect(await selectOrCreateWorkspace({ dir, onEvent: (e) => events.push(e) }, 'blue')).toEqual({ workspace: 'blue', created: true });
    expect(events.some((e) => e.kind === 'terraform.log' && e.message.includes('Created and switched to workspace "blue"'))).toBe(true);
    expect(await selectOrCreateWorkspace({ dir }, 'blue')).toEqual({ workspace: 'blue', created: false }); // converges
    expect(await selectOrCreateWorkspace({ dir }, 'green')).toEqual({ workspace: 'green', created: true });
    expect(await listWorkspaces({ dir })).toEqual({ current: 'green', workspaces: ['default', 'blue', 'green'] });

    // Both applies name their workspace through the environment: the directory's selection (green) does not decide.
    for (const colour of ['blue', 'green']) {
      const applied = await terraformApply({ dir, vars: { colour }, env: workspaceEnv(colour) });
      expect(applied.changes).toEqual({ add: 1, change: 0, remove: 0, import: 0 });
    }
    expect(existsSync(join(dir, 'made-blue'))).toBe(true);
    expect(existsSync(join(dir, 'made-green'))).toBe(true);

    const outputs = async (ws: string) => Object.fromEntries(Object.entries(await terraformOutput({ dir, env: workspaceEnv(ws) })).map(([k, v]) => [k, v.value]));
    expect(await outputs('blue')).toEqual({ node: 'node-blue', workspace: 'blue' });
    expect(await outputs('green')).toEqual({ node: 'node-green', workspace: 'green' });
    expect(await terraformOutput({ dir, env: workspaceEnv('default') })).toEqual({});

    const destroyed = await terraformDestroy({ dir, vars: { colour: 'green' }, env: workspaceEnv('green') });
    expect(destroyed.changes).toMatchObject({ remove: 1 });
    expect(existsSync(join(dir, 'made-green'))).toBe(false);
    expect(existsSync(join(dir, 'made-blue'))).toBe(true);
    expect(stateOf('green').resources).toEqual([]);
    expect(stateOf('blue').resources.map((r) => r.type)).toEqual(['terraform_data']);
    expect(await outputs('blue')).toEqual({ node: 'node-blue', workspace: 'blue' });
    expect(await outputs('green')).toEqual({});

    // green is the selected workspace: delete switches to default first
    expect(await deleteWorkspace({ dir }, 'green')).toEqual({ deleted: true });
    expect(await listWorkspaces({ dir })).toEqual({ current: 'default', workspaces: ['default', 'blue'] });
    expect(await deleteWorkspace({ dir }, 'green')).toEqual({ deleted: false }); // already gone
    expect(await outputs('blue')).toEqual({ node: 'node-blue', workspace: 'blue' });
  });

  it('refuses to delete a workspace whose state still tracks resources, unless forced', async () => {
    await selectOrCreateWorkspace({ dir }, 'blue');
    const err = await deleteWorkspace({ dir }, 'blue').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'conflict', message: expect.stringContaining('Workspace is not empty'), hint: expect.stringContaining('Destroy workspace "blue" first') });
    expect(err).not.toMatchObject({ message: expect.stringContaining('.terraformrc') });
    expect((await listWorkspaces({ dir })).workspaces).toContain('blue');
    expect(stateOf('blue').resources).toHaveLength(1);

    // an operator who already removed the hosts by hand forgets them
    expect(await deleteWorkspace({ dir }, 'blue', { force: true })).toEqual({ deleted: true });
    expect(await listWorkspaces({ dir })).toEqual({ current: 'default', workspaces: ['default'] });
  });

  it('validates names before running terraform', async () => {
    for (const bad of ['', '-force', 'blue green', '../blue', 'a/b', 'x'.repeat(91), 'blue;rm']) {
      expect(() => checkWorkspaceName(bad)).toThrow(expect.objectContaining({ code: 'invalid-input' }));
      await expect(selectOrCreateWorkspace({ dir }, bad)).rejects.toMatchObject({ code: 'invalid-input' });
      await expect(deleteWorkspace({ dir }, bad)).rejects.toMatchObject({ code: 'invalid-input' });
    }
    expect(() => workspaceEnv('--x')).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(workspaceEnv('prod-green_2')).toEqual({ TF_WORKSPACE: 'prod-green_2' });
    await expect(deleteWorkspace({ dir }, 'default')).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('"default"') });
    expect((await listWorkspaces({ dir })).workspaces).toEqual(['default']);
  });

  it('says to run terraform init when the directory was never initialised', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'keyturn-tf-ws-bare-'));
    try {
      await writeFile(join(bare, 'main.tf'), 'terraform {\n  backend "local" {}\n}\n');
      const err = await selectOrCreateWorkspace({ dir: bare }, 'blue').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'tool-failed', hint: expect.stringContaining('terraform init') });
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });
});
