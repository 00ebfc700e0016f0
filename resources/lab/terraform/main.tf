# The lab's "hosts" and infrastructure, built only from terraform_data +
# local-exec so `terraform init` needs no provider download. Each resource
# runs one idempotent script from ../scripts with `up` on create and `down`
# on destroy; all settings travel as environment variables (no shell
# parsing) and live in triggers_replace, so a changed setting replaces the
# resource and destroy-time provisioners see the old values via self.
terraform {
  required_version = ">= 1.4" # terraform_data
  # Keep state out of the source tree:
  #   terraform init -backend-config=path=<state_dir>/terraform.tfstate
  backend "local" {}
}

# Blue/green: the same module applied a second time, in a Terraform
# workspace named after the colour, with colour = "green". Green derives its
# own addresses and its own state sub-directory (so blue's node roots, data
# and pid files are never touched), and shares blue's BIND: it runs no DNS
# server and owns no record (Keyturn moves the public name when it switches).
# Blue's values are exactly the variables, as before colours existed.
locals {
  green     = var.colour == "green"
  state_dir = local.green ? "${var.state_dir}/green" : var.state_dir
  scripts   = abspath("${path.module}/../scripts")
  common = {
    LAB_STATE_DIR = local.state_dir
    LAB_KEEP_DATA = tostring(var.keep_data_on_destroy)
  }
  node_address_prefix = local.green ? var.green_node_address_prefix : var.node_address_prefix
  node_name_prefix    = local.green ? var.green_node_name_prefix : var.node_name_prefix
  postgres_address    = local.green ? var.green_postgres_address : var.postgres_address
  haproxy_address     = local.green ? var.green_haproxy_address : var.haproxy_address
  # An explicit data dir (outside a private home) gets a green sibling tree:
  # postgres.sh keeps its socket dir and log next to the data directory.
  postgres_data_dir = (var.postgres_data_dir == "" ? "${local.state_dir}/postgres/data"
    : local.green ? "${dirname(var.postgres_data_dir)}/green/${basename(var.postgres_data_dir)}"
  : var.postgres_data_dir)
  dns_server_enabled = var.dns_server_enabled && !local.green
  dns_record_enabled = var.dns_record_enabled && !local.green
  nodes = [for i in range(var.node_count) : {
    name    = "${local.node_name_prefix}${i + 1}"
    address = "${local.node_address_prefix}.${i + 1}"
    root    = "${local.state_dir}/nodes/${local.node_name_prefix}${i + 1}"
  }]
  # The TSIG key stays blue's: one named (blue's) serves both colours.
  dns_key_file = var.dns_key_file != "" ? var.dns_key_file : "${var.state_dir}/dns/tsig.key"
  public_host  = "${var.dns_record_name}.${var.dns_zone}"
  # hostname: one issuer for tokens from every node, whichever node served
  # (and whichever colour: tokens stay valid across the switch).
  keycloak_options = {
    db                = "postgres"
    "db-url-host"     = local.postgres_address
    "db-url-port"     = tostring(var.postgres_port)
    "db-url-database" = var.db_name
    "db-username"     = var.db_user
    "db-password"     = var.db_password
    hostname          = "http://${local.public_host}:${var.haproxy_port}"
  }
}

# The client key Ansible/Keyturn use, authorized on every node.
resource "terraform_data" "ssh_key" {
  triggers_replace = merge(local.common, { SCRIPTS = local.scripts })
  provisioner "local-exec" {
    interpreter = ["${self.triggers_replace.SCRIPTS}/ssh-key.sh"]
    command     = "up"
    environment = self.triggers_replace
  }
  provisioner "local-exec" {
    when        = destroy
    interpreter = ["${self.triggers_replace.SCRIPTS}/ssh-key.sh"]
    command     = "down"
    environment = self.triggers_replace
  }
}

# One "VM" per node: sshd on <prefix>.i:ssh_port plus a node root directory.
# Destroy also stops the Keycloak that Ansible started on the node; the
# dependency on postgres makes destroy stop the nodes before the database,
# so Keycloak shuts down cleanly (and removes its JGROUPS_PING row).
resource "terraform_data" "node" {
  count      = var.node_count
  depends_on = [terraform_data.ssh_key, terraform_data.postgres]
  triggers_replace = merge(local.common, {
    SCRIPTS         = local.scripts
    NODE_NAME       = local.nodes[count.index].name
    NODE_ADDRESS    = local.nodes[count.index].address
    SSH_PORT        = tostring(var.ssh_port)
    SSH_USER        = var.ssh_user
    KC_STOP_TIMEOUT = tostring(var.keycloak_stop_timeout)
  })
  provisioner "local-exec" {
    interpreter = ["${self.triggers_replace.SCRIPTS}/node-host.sh"]
    command     = "up"
    environment = self.triggers_replace
  }
  provisioner "local-exec" {
    when        = destroy
    interpreter = ["${self.triggers_replace.SCRIPTS}/node-host.sh"]
    command     = "down"
    environment = self.triggers_replace
  }
}

resource "terraform_data" "postgres" {
  triggers_replace = merge(local.common, {
    SCRIPTS     = local.scripts
    PG_ADDRESS  = local.postgres_address
    PG_PORT     = tostring(var.postgres_port)
    PG_DATABASE = var.db_name
    PG_USER     = var.db_user
    PG_PASSWORD = var.db_password
    PG_DATA_DIR = local.postgres_data_dir
  })
  provisioner "local-exec" {
    interpreter = ["${self.triggers_replace.SCRIPTS}/postgres.sh"]
    command     = "up"
    environment = self.triggers_replace
  }
  provisioner "local-exec" {
    when        = destroy
    interpreter = ["${self.triggers_replace.SCRIPTS}/postgres.sh"]
    command     = "down"
    environment = self.triggers_replace
  }
}

resource "terraform_data" "haproxy" {
  triggers_replace = merge(local.common, {
    SCRIPTS            = local.scripts
    HAPROXY_ADDRESS    = local.haproxy_address
    HAPROXY_PORT       = tostring(var.haproxy_port)
    HAPROXY_BACKENDS   = join(",", [for n in local.nodes : "${n.name}=${n.address}"])
    KC_HTTP_PORT       = tostring(var.keycloak_http_port)
    KC_MANAGEMENT_PORT = tostring(var.keycloak_management_port)
  })
  provisioner "local-exec" {
    interpreter = ["${self.triggers_replace.SCRIPTS}/haproxy.sh"]
    command     = "up"
    environment = self.triggers_replace
  }
  provisioner "local-exec" {
    when        = destroy
    interpreter = ["${self.triggers_replace.SCRIPTS}/haproxy.sh"]
    command     = "down"
    environment = self.triggers_replace
  }
}

resource "terraform_data" "dns_server" {
  count = local.dns_server_enabled ? 1 : 0
  triggers_replace = merge(local.common, {
    SCRIPTS     = local.scripts
    DNS_ADDRESS = var.dns_address
    DNS_PORT    = tostring(var.dns_port)
    DNS_ZONE    = var.dns_zone
  })
  provisioner "local-exec" {
    interpreter = ["${self.triggers_replace.SCRIPTS}/dns.sh"]
    command     = "up"
    environment = self.triggers_replace
  }
  provisioner "local-exec" {
    when        = destroy
    interpreter = ["${self.triggers_replace.SCRIPTS}/dns.sh"]
    command     = "down"
    environment = self.triggers_replace
  }
}

# sso.lab.test -> this cluster's HAProxy, by TSIG-signed dynamic update.
resource "terraform_data" "dns_record" {
  count      = local.dns_record_enabled ? 1 : 0
  depends_on = [terraform_data.dns_server, terraform_data.haproxy]
  triggers_replace = {
    SCRIPTS            = local.scripts
    LAB_STATE_DIR      = var.state_dir
    DNS_ADDRESS        = var.dns_address
    DNS_PORT           = tostring(var.dns_port)
    DNS_ZONE           = var.dns_zone
    DNS_RECORD_NAME    = var.dns_record_name
    DNS_RECORD_ADDRESS = local.haproxy_address
    DNS_TTL            = tostring(var.dns_ttl)
    DNS_KEY_FILE       = local.dns_key_file
  }
  provisioner "local-exec" {
    interpreter = ["${self.triggers_replace.SCRIPTS}/dns-record.sh"]
    command     = "set"
    environment = self.triggers_replace
  }
  provisioner "local-exec" {
    when        = destroy
    interpreter = ["${self.triggers_replace.SCRIPTS}/dns-record.sh"]
    command     = "delete"
    environment = self.triggers_replace
  }
}
