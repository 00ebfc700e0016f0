/**
 * One colour per workspace against the real terraform, on a small module
 * shaped like a customer's (`terraform_data` + local-exec, no provider
 * download) that takes the colour under its own variable name and declares
 * the blue/green outputs; plus the argument and output checks on their own.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourModuleText } from '../../test/support/colour-module.ts';
import { terraformInit, type TerraformOutputValue } from './terraform.ts';
import { listWorkspaces } from './terraform-workspace.ts';
import { applyColour, colourArgs, colourOutputNames, destroyColour, ensureColourWorkspace, inventoryKeyPath, parseColourOutputs, readColour } from './terraform-colour.ts';

const out = (value: unknown): TerraformOutputValue => ({ value, type: null, sensitive: false });
const goodOutputs = (colour: string): Record<string, TerraformOutputValue> => ({
  colour: out(colour),
  nodes: out([{ name: 'g1', address: '127.0.20.1', ssh_port: 2222, node_root: '/x' }]),
  postgres: out({ host: '127.0.20.50', port: 5432, database: 'keycloak', username: 'keycloak', password: 'not-returned' }),
  haproxy: out({ address: '127.0.20.100', port: 8080, admin_socket: '/s/admin.sock', backend: 'keycloak', servers: ['g1'] }),
  ansible_inventory: out('all: {}\n'),
});

describe('colour arguments and outputs (no terraform)', () => {
  it("takes Keyturn's SSH key from the inventory Ansible uses: one key for every host, from host or group vars, else none", () => {
    const yaml = (hosts: string, vars = '') => `all:\n  children:\n    keycloak:\n${vars}      hosts:\n${hosts}`;
    expect(inventoryKeyPath(yaml('        g1: { ansible_ssh_private_key_file: /k/green }\n        g2: { ansible_ssh_private_key_file: /k/green }\n'))).toBe('/k/green');
    expect(inventoryKeyPath(yaml('        g1: {}\n', '      vars: { ansible_ssh_private_key_file: /k/group }\n'))).toBe('/k/group');
    expect(inventoryKeyPath(yaml('        g1: { ansible_ssh_private_key_file: /k/a }\n        g2: { ansible_ssh_private_key_file: /k/b }\n'))).toBeUndefined();
    expect(inventoryKeyPath('[keycloak]\ng1 ansible_host=10.0.0.1\n')).toBeUndefined();
    expect(inventoryKeyPath('all: [unclosed')).toBeUndefined();
  });

  it('passes the colour as -var <variable>=<colour> and the workspace through TF_WORKSPACE', () => {
    expect(colourArgs('green')).toEqual({ vars: { colour: 'green' }, env: { TF_WORKSPACE: 'green' } });
    expect(colourArgs('prod-blue', 'deployment_colour')).toEqual({ vars: { deployment_colour: 'prod-blue' }, env: { TF_WORKSPACE: 'prod-blue' } });
  });

  it('refuses colours and variable names terraform would misread', () => {
    for (const bad of ['', '-force', 'blue green', '../green', 'a/b', 'green;rm']) {
      expect(() => colourArgs(bad)).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    }
    expect(() => colourArgs('default')).toThrow(expect.objectContaining({ code: 'invalid-input', message: expect.stringContaining('"default"') }));
    for (const bad of ['', '1colour', 'colour=green', '-colour', 'a b', 'x'.repeat(65)]) {
      expect(() => colourArgs('green', bad)).toThrow(expect.objectContaining({ code: 'invalid-input', hint: expect.stringContaining('variable') }));
    }
  });

  it('maps the outputs to a deployment and keeps the password out of it', () => {
    const d = parseColourOutputs(goodOutputs('green'), 'green', '/tf');
    expect(d).toEqual({
      colour: 'green',
      workspace: 'green',
      nodes: [{ name: 'g1', address: '127.0.20.1', sshPort: 2222 }],
      database: { address: '127.0.20.50', port: 5432, name: 'keycloak', user: 'keycloak' },
      loadBalancer: { address: '127.0.20.100', port: 8080, runtimeApi: '/s/admin.sock', backend: 'keycloak' },
      ansibleInventory: 'all: {}\n',
    });
    expect(JSON.stringify(d)).not.toContain('not-returned');
  });

  it('names each missing output and what to declare', () => {
    for (const name of colourOutputNames) {
      const raw = goodOutputs('green');
      delete raw[name];
      const err = (() => {
        try {
          return parseColourOutputs(raw, 'green', '/tf');
        } catch (e) {
          return e;
        }
      })();
      expect(err).toMatchObject({ code: 'invalid-input', message: expect.stringContaining(`"${name}"`), hint: expect.stringContaining(`output "${name}"`), details: { missing: [name] } });
    }
    expect(() => parseColourOutputs({}, 'green', '/tf')).toThrow(expect.objectContaining({ message: expect.stringContaining('has no outputs'), details: { missing: colourOutputNames } }));
  });

  it('names the field of an output with the wrong shape, and a colour that is not the workspace\'s', () => {
    const raw = goodOutputs('green');
    raw.nodes = out([{ name: 'g1', address: '127.0.20.1', ssh_port: '22' }]);
    expect(() => parseColourOutputs(raw, 'green', '/tf')).toThrow(expect.objectContaining({ code: 'invalid-input', message: expect.stringContaining('nodes.0.ssh_port') }));
    const empty = goodOutputs('green');
    empty.nodes = out([]);
    expect(() => parseColourOutputs(empty, 'green', '/tf')).toThrow(expect.objectContaining({ message: expect.stringContaining('"nodes"') }));
    const noBackend = goodOutputs('green');
    noBackend.haproxy = out({ address: '127.0.20.100', port: 8080, admin_socket: '/s/admin.sock' });
    expect(() => parseColourOutputs(noBackend, 'green', '/tf')).toThrow(expect.objectContaining({ message: expect.stringContaining('haproxy.backend') }));
    expect(() => parseColourOutputs(goodOutputs('blue'), 'green', '/tf')).toThrow(expect.objectContaining({ code: 'conflict', message: expect.stringContaining('reports colour "blue"') }));
  });
});

/** A customer-shaped module: the colour under its own variable name picks the addresses; each colour leaves a marker file while it exists. */
const moduleText = (withInventory: boolean) => colourModuleText({ variable: 'deployment_colour', inventory: withInventory, hostPrefix: 'h' });

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyturn-tf-colour-'));
  await writeFile(join(dir, 'main.tf'), moduleText(true));
  await terraformInit({ dir });
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('colours against the real terraform', () => {
  it('applies green beside blue in their own workspaces, reads each, and destroys green alone', async () => {
    const blue = await applyColour({ dir, colour: 'blue', variable: 'deployment_colour' });
    expect(blue.summary.changes).toMatchObject({ add: 1 });
    const green = await applyColour({ dir, colour: 'green', variable: 'deployment_colour' });
    expect(green.summary.changes).toMatchObject({ add: 1 });
    expect(green.deployment).toEqual({
      colour: 'green',
      workspace: 'green',
      nodes: [
        { name: 'g1', address: '127.0.20.1', sshPort: 22 },
        { name: 'g2', address: '127.0.20.2', sshPort: 22 },
      ],
      database: { address: '127.0.20.50', port: 5432, name: 'keycloak', user: 'keycloak' },
      loadBalancer: { address: '127.0.20.100', port: 8080, runtimeApi: '127.0.20.100:9999', backend: 'keycloak' },
      ansibleInventory: expect.stringContaining('127.0.20.1'),
    });
    expect(blue.deployment.database.address).toBe('127.0.10.50');
    expect(existsSync(join(dir, 'made-blue')) && existsSync(join(dir, 'made-green'))).toBe(true);
    // Never selected: the operator's selection stays where it was.
    expect(await listWorkspaces({ dir })).toEqual({ current: 'default', workspaces: ['default', 'blue', 'green'] });

    // Applying again converges; reading needs no apply.
    expect((await applyColour({ dir, colour: 'green', variable: 'deployment_colour' })).summary.changes).toMatchObject({ add: 0, change: 0, remove: 0 });
    expect((await readColour({ dir, colour: 'blue', variable: 'deployment_colour' })).nodes.map((n) => n.name)).toEqual(['b1', 'b2']);

    expect(await destroyColour({ dir, colour: 'green', variable: 'deployment_colour' })).toMatchObject({ destroyed: true, summary: { changes: { remove: 1 } } });
    expect(existsSync(join(dir, 'made-green'))).toBe(false);
    expect(existsSync(join(dir, 'made-blue'))).toBe(true);
    expect(await listWorkspaces({ dir })).toEqual({ current: 'default', workspaces: ['default', 'blue'] });
    expect(await destroyColour({ dir, colour: 'green', variable: 'deployment_colour' })).toEqual({ destroyed: false, summary: null });
    expect((await readColour({ dir, colour: 'blue', variable: 'deployment_colour' })).loadBalancer.address).toBe('127.0.10.100');
  });

  it('says which output to add when the module lacks one, and that an unbuilt colour has none', async () => {
    await writeFile(join(dir, 'main.tf'), moduleText(false));
    try {
      const err = await applyColour({ dir, colour: 'blue', variable: 'deployment_colour' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'invalid-input', message: expect.stringContaining('no output "ansible_inventory"'), hint: expect.stringContaining('output "ansible_inventory"') });
    } finally {
      await writeFile(join(dir, 'main.tf'), moduleText(true));
    }
    expect(await ensureColourWorkspace({ dir, colour: 'green' })).toEqual({ created: true });
    expect(await ensureColourWorkspace({ dir, colour: 'green' })).toEqual({ created: false });
    await expect(readColour({ dir, colour: 'green' })).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringContaining('has no outputs') });
    expect((await listWorkspaces({ dir })).current).toBe('default');
  });

  it('names a wrong variable name in terraform\'s own words', async () => {
    const err = await applyColour({ dir, colour: 'blue', variable: 'colour' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'tool-failed', message: expect.stringContaining('colour') });
  });

  it('destroys blue too, leaving only the default workspace', async () => {
    expect(await destroyColour({ dir, colour: 'green', variable: 'deployment_colour' })).toMatchObject({ destroyed: true });
    expect(await destroyColour({ dir, colour: 'blue', variable: 'deployment_colour' })).toMatchObject({ destroyed: true, summary: { changes: { remove: 1 } } });
    expect(existsSync(join(dir, 'made-blue'))).toBe(false);
    expect(await listWorkspaces({ dir })).toEqual({ current: 'default', workspaces: ['default'] });
  });
});
