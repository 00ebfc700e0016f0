/**
 * A Terraform root module shaped like a customer's for blue/green
 * (docs/blue-green-terraform.md): the colour under `variable`, the addresses
 * derived from it, the five outputs (the inventory only with
 * `inventory: true`), and a marker file `made-<colour>` while a colour
 * exists. terraform_data + local-exec only, so it applies offline. One
 * fixture for every test that builds colours with the real terraform.
 */
export function colourModuleText(opts: { variable?: string; inventory?: boolean; hostPrefix?: 'colour' | 'h' } = {}): string {
  const v = `var.${opts.variable ?? 'colour'}`;
  const host = opts.hostPrefix === 'h' ? '"h${i}"' : `"\${substr(${v}, 0, 1)}\${i}"`;
  return [
    `variable "${opts.variable ?? 'colour'}" {`,
    '  type    = string',
    '  default = "blue"',
    '}',
    `locals { octet = ${v} == "green" ? 20 : 10 }`,
    'resource "terraform_data" "vm" {',
    `  input = ${v}`,
    '  provisioner "local-exec" {',
    `    command = "echo up > \${path.module}/made-\${${v}}"`,
    '  }',
    '  provisioner "local-exec" {',
    '    when    = destroy',
    '    command = "rm -f ${path.module}/made-${self.output}"',
    '  }',
    '}',
    'output "colour" { value = terraform_data.vm.output }',
    `output "nodes" { value = [for i in [1, 2] : { name = "\${substr(${v}, 0, 1)}\${i}", address = "127.0.\${local.octet}.\${i}", ssh_port = 22 }] }`,
    'output "postgres" { value = { host = "127.0.${local.octet}.50", port = 5432, database = "keycloak", username = "keycloak" } }',
    'output "haproxy" { value = { address = "127.0.${local.octet}.100", port = 8080, admin_socket = "127.0.${local.octet}.100:9999", backend = "keycloak" } }',
    opts.inventory === false ? '' : `output "ansible_inventory" { value = yamlencode({ all = { hosts = { for i in [1, 2] : ${host} => { ansible_host = "127.0.\${local.octet}.\${i}" } } } }) }`,
    '',
  ].join('\n');
}
