#!/usr/bin/env bash
# ssh-key.sh up|down : the lab's SSH client key (what an operator would use to
# reach customer VMs), the authorized_keys every node's sshd trusts, and the
# known_hosts file the node hosts fill with their pinned host keys.
# Env: LAB_STATE_DIR (required), LAB_KEEP_DATA (true keeps files on down).
set -euo pipefail
LAB_COMPONENT=ssh-key
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -f "$0")")/lib.sh"
cd /

require_state_dir
dir="$LAB_STATE_DIR/ssh"
key="$dir/id_ed25519"

up() {
  require_cmd ssh-keygen openssh-client
  mkdir -p "$dir"
  chmod 0700 "$dir"
  if [[ ! -s "$key" ]]; then
    rm -f "$key" "$key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "keyturn-lab" -f "$key"
    log "generated $key"
  fi
  # authorized_keys is derived from the key, so rewriting it is always safe.
  cp "$key.pub" "$dir/authorized_keys"
  chmod 0600 "$dir/authorized_keys"
  touch "$dir/known_hosts"
  log "ready: private key $key"
}

down() {
  if is_true "${LAB_KEEP_DATA:-false}"; then
    log "LAB_KEEP_DATA=true: keeping $dir"
  else
    rm -rf "$dir"
    log "removed $dir"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac
