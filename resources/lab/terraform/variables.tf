# Inputs of the lab. Only state_dir is required; the defaults build the
# "blue" cluster of DESIGN.md section 6 (nodes 127.0.10.1..N, LB .100,
# PostgreSQL .50, BIND on 127.0.53.1). colour = "green" (applied in its own
# Terraform workspace) builds the green cluster from the green_* addresses
# (nodes 127.0.20.1..N, PostgreSQL .50, LB .100, same ports) in
# <state_dir>/green, with no DNS server or record of its own.

variable "colour" {
  description = "Which deployment of the cluster this state builds: \"blue\" (the variables below) or \"green\" (the green_* addresses, <state_dir>/green, no DNS). Keyturn's blue/green passes it with -var, one Terraform workspace per colour."
  type        = string
  default     = "blue"
  validation {
    condition     = contains(["blue", "green"], var.colour)
    error_message = "colour must be \"blue\" or \"green\"."
  }
}

variable "green_node_address_prefix" {
  description = "First three octets of green's node addresses (colour = \"green\")."
  type        = string
  default     = "127.0.20"
}

variable "green_node_name_prefix" {
  description = "Green's node i is named <prefix>i (g1, g2), so a node name says its colour in HAProxy, events and the ledger."
  type        = string
  default     = "g"
}

variable "green_postgres_address" {
  description = "Green's own PostgreSQL (same port as blue's, own address)."
  type        = string
  default     = "127.0.20.50"
}

variable "green_haproxy_address" {
  description = "Green's own HAProxy (same port as blue's, own address)."
  type        = string
  default     = "127.0.20.100"
}

variable "state_dir" {
  description = "Absolute directory for everything the lab creates (keys, node roots, data, pid files, logs)."
  type        = string
  validation {
    condition     = startswith(var.state_dir, "/")
    error_message = "state_dir must be an absolute path."
  }
}

variable "node_count" {
  description = "Number of Keycloak nodes (sshd hosts)."
  type        = number
  default     = 2
  validation {
    condition     = var.node_count >= 1 && var.node_count <= 49
    error_message = "node_count must be 1..49 (.50 and .100 are taken by PostgreSQL and HAProxy)."
  }
}

variable "node_address_prefix" {
  description = "First three octets of the node addresses; node i gets <prefix>.i."
  type        = string
  default     = "127.0.10"
}

variable "node_name_prefix" {
  description = "Node i is named <prefix>i (n1, n2): inventory host name and HAProxy server name."
  type        = string
  default     = "n"
}

variable "ssh_port" {
  description = "Port of every node's sshd (each node has its own address)."
  type        = number
  default     = 2222
}

variable "ssh_user" {
  description = "User that logs in to the nodes (must be the user running terraform unless that is root). TF_VAR_ssh_user=$USER when not root."
  type        = string
  default     = "root"
}

variable "keycloak_http_port" {
  description = "Keycloak HTTP port on each node (HAProxy backend port)."
  type        = number
  default     = 8080
}

variable "keycloak_management_port" {
  description = "Keycloak management port on each node (health and metrics)."
  type        = number
  default     = 9000
}

variable "keycloak_java_opts" {
  description = "JAVA_OPTS_APPEND of every lab node (the inventory's keycloak_java_opts). The lab runs up to four Keycloak JVMs on a host's shared cores: C1 alone brings a node to ready on about a third less CPU, and the serving nodes stop spending cores on C2 compiles. Empty gives Keycloak's own JVM settings."
  type        = string
  default     = "-XX:TieredStopAtLevel=1"
}

variable "keycloak_stop_timeout" {
  description = "Seconds a node's Keycloak gets for a graceful stop on destroy before SIGKILL."
  type        = number
  default     = 120
}

variable "postgres_address" {
  type    = string
  default = "127.0.10.50"
}

variable "postgres_port" {
  type    = number
  default = 5432
}

variable "postgres_data_dir" {
  description = "PostgreSQL data directory; empty = <state_dir>/postgres/data. Set it when running as root with a state_dir the postgres user cannot traverse (e.g. under /root)."
  type        = string
  default     = ""
}

variable "db_name" {
  type    = string
  default = "keycloak"
}

variable "db_user" {
  type    = string
  default = "keycloak"
}

variable "db_password" {
  description = "Lab-only password of the Keycloak database role."
  type        = string
  default     = "keycloak-lab-password"
}

variable "haproxy_address" {
  type    = string
  default = "127.0.10.100"
}

variable "haproxy_port" {
  type    = number
  default = 8080
}

variable "dns_server_enabled" {
  description = "Run the BIND 9 server in this state (false for a second cluster sharing one named)."
  type        = bool
  default     = true
}

variable "dns_record_enabled" {
  description = "Point <dns_record_name>.<dns_zone> at this cluster's HAProxy."
  type        = bool
  default     = true
}

variable "dns_address" {
  type    = string
  default = "127.0.53.1"
}

variable "dns_port" {
  type    = number
  default = 53
}

variable "dns_zone" {
  type    = string
  default = "lab.test"
}

variable "dns_record_name" {
  type    = string
  default = "sso"
}

variable "dns_ttl" {
  type    = number
  default = 1
}

variable "dns_key_file" {
  description = "TSIG key for updates; empty = <state_dir>/dns/tsig.key (the key dns.sh generates). Point a second cluster at the first cluster's key."
  type        = string
  default     = ""
}

variable "keep_data_on_destroy" {
  description = "true: destroy stops every process but keeps node roots (installed Keycloak), the database and keys."
  type        = bool
  default     = false
}
