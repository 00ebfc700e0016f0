#!/usr/bin/env bash
# teardown.sh : stop and remove everything a lab state dir contains, without
# Terraform. For when terraform state is lost or a resource was left tainted
# (Terraform skips destroy-time provisioners of tainted resources). Reads
# addresses back from the generated configs, then runs each script's down.
# A green deployment (colour = "green", in <state>/green) goes first, the
# way `lab down` destroys green before blue.
# Env: LAB_STATE_DIR required; PG_DATA_DIR if it was set for up (green's is
#      derived from it as the module does); LAB_KEEP_DATA (true: stop
#      processes only).
set -euo pipefail
LAB_COMPONENT=teardown
here="$(dirname "$(readlink -f "$0")")"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
cd /

require_env LAB_STATE_DIR
[[ "$LAB_STATE_DIR" == /* ]] || die "LAB_STATE_DIR must be absolute"
[[ -d "$LAB_STATE_DIR" ]] || { log "$LAB_STATE_DIR does not exist; nothing to do"; exit 0; }
rc=0

if [[ -d "$LAB_STATE_DIR/green" ]]; then
  green_env=(LAB_STATE_DIR="$LAB_STATE_DIR/green")
  [[ -n "${PG_DATA_DIR:-}" ]] && green_env+=(PG_DATA_DIR="$(dirname "$PG_DATA_DIR")/green/$(basename "$PG_DATA_DIR")")
  env "${green_env[@]}" "$here/teardown.sh" || rc=1
  rmdir "$LAB_STATE_DIR/green" 2>/dev/null || true
fi

# config_value FILE REGEX : first capture group of the first matching line.
config_value() { sed -nE "s/$2/\\1/p" "$1" 2>/dev/null | head -n 1; }

for cfg in "$LAB_STATE_DIR"/nodes/*/etc/ssh/sshd_config; do
  [[ -f "$cfg" ]] || continue
  name="$(basename "$(dirname "$(dirname "$(dirname "$cfg")")")")"
  listen="$(config_value "$cfg" '^ListenAddress (.*)$')"
  NODE_NAME="$name" NODE_ADDRESS="${listen%:*}" SSH_PORT="${listen##*:}" \
    "$here/node-host.sh" down || rc=1
done
# A node root without sshd config (very early failure) still may hold a JVM.
for root in "$LAB_STATE_DIR"/nodes/*/; do
  [[ -d "$root" ]] || continue
  for pid in $(pids_with_cmdline "kc.home.dir=${root%/}/"); do terminate "$pid" "keycloak java" 60; done
  is_true "${LAB_KEEP_DATA:-false}" || rm -rf "$root"
done
rmdir "$LAB_STATE_DIR/nodes" 2>/dev/null || true

if [[ -d "$LAB_STATE_DIR/haproxy" ]]; then
  "$here/haproxy.sh" down || rc=1
fi

if [[ -f "$LAB_STATE_DIR/dns/named.conf" ]]; then
  addr="$(config_value "$LAB_STATE_DIR/dns/named.conf" '^ *listen-on port [0-9]+ \{ ([0-9.]+); \};$')"
  DNS_ADDRESS="${addr:-127.0.53.1}" "$here/dns.sh" down || rc=1
elif [[ -d "$LAB_STATE_DIR/dns" ]]; then
  is_true "${LAB_KEEP_DATA:-false}" || rm -rf "$LAB_STATE_DIR/dns"
fi

pg_data="${PG_DATA_DIR:-$LAB_STATE_DIR/postgres/data}"
if [[ -d "$pg_data" || -d "$LAB_STATE_DIR/postgres" ]]; then
  PG_DATA_DIR="$pg_data" "$here/postgres.sh" down || rc=1
fi

if [[ -d "$LAB_STATE_DIR/ssh" ]]; then
  "$here/ssh-key.sh" down || rc=1
fi

((rc == 0)) || die "some components failed to stop (see above)"
log "done: no lab process left for $LAB_STATE_DIR"
