# What Keyturn (and a person) needs to drive the lab. Credentials here are
# lab-only defaults, so they are plain outputs, not sensitive ones.
#
# Blue/green contract (docs/blue-green-terraform.md): Keyturn reads `colour`,
# `nodes`, `postgres`, `haproxy` and `ansible_inventory` of the workspace it
# applied for a colour; a customer's module exposes the same five.

output "colour" {
  description = "The colour this state built (\"blue\" or \"green\"): Keyturn checks it matches the workspace it applied."
  value       = var.colour
}

output "state_dir" {
  value = local.state_dir
}

output "nodes" {
  description = "One entry per node: SSH endpoint, node root (the VM's \"/\"), Keycloak URLs."
  value = [for n in local.nodes : {
    name           = n.name
    address        = n.address
    ssh_port       = var.ssh_port
    node_root      = n.root
    keycloak_home  = "${n.root}/opt/keycloak"
    http_url       = "http://${n.address}:${var.keycloak_http_port}"
    management_url = "http://${n.address}:${var.keycloak_management_port}"
  }]
}

output "ssh" {
  value = {
    user             = var.ssh_user
    private_key_file = "${local.state_dir}/ssh/id_ed25519"
    known_hosts_file = "${local.state_dir}/ssh/known_hosts"
  }
}

# Ready to use: terraform output -raw ansible_inventory > inventory.yml
output "ansible_inventory" {
  value = yamlencode({
    all = { children = { keycloak = { hosts = { for n in local.nodes : n.name => {
      ansible_host                 = n.address
      ansible_port                 = var.ssh_port
      ansible_user                 = var.ssh_user
      ansible_ssh_private_key_file = "${local.state_dir}/ssh/id_ed25519"
      ansible_ssh_common_args      = "-o UserKnownHostsFile=${local.state_dir}/ssh/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes"
      node_address                 = n.address
      node_root                    = n.root
      keycloak_java_opts           = var.keycloak_java_opts
    } } } } }
  })
}

# Cluster-wide Keycloak options that follow from this infrastructure; the
# playbook adds the per-node ones (http-host, bind address, health, ...).
output "keycloak_options" {
  value = local.keycloak_options
}

# terraform output -raw ansible_extra_vars > vars.json
# ansible-playbook ... -e @vars.json -e keycloak_version=... (see README)
output "ansible_extra_vars" {
  value = jsonencode({
    keycloak_options               = local.keycloak_options
    keycloak_http_port             = var.keycloak_http_port
    keycloak_management_port       = var.keycloak_management_port
    keycloak_expected_cluster_size = var.node_count
  })
}

output "postgres" {
  value = {
    host       = local.postgres_address
    port       = var.postgres_port
    database   = var.db_name
    username   = var.db_user
    password   = var.db_password
    jdbc_url   = "jdbc:postgresql://${local.postgres_address}:${var.postgres_port}/${var.db_name}"
    data_dir   = local.postgres_data_dir
    socket_dir = "${dirname(local.postgres_data_dir)}/run"
  }
}

output "haproxy" {
  value = {
    address         = local.haproxy_address
    port            = var.haproxy_port
    url             = "http://${local.haproxy_address}:${var.haproxy_port}"
    admin_socket    = "${local.state_dir}/haproxy/admin.sock"
    freeze_acl_file = "${local.state_dir}/haproxy/freeze.acl"
    backend         = "keycloak"
    servers         = [for n in local.nodes : n.name]
  }
}

output "dns" {
  value = {
    server        = var.dns_address
    port          = var.dns_port
    zone          = var.dns_zone
    record        = local.public_host
    tsig_key_file = local.dns_key_file
    tsig_key_name = "lab-update"
  }
}

output "public_url" {
  description = "Issuer base of every node (Keycloak `hostname`), served through HAProxy."
  value       = "http://${local.public_host}:${var.haproxy_port}"
}
