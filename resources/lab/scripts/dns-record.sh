#!/usr/bin/env bash
# dns-record.sh set|delete|get : manage one A record by RFC 2136 dynamic update
# signed with the lab TSIG key -- the same way Keyturn flips blue/green.
#
# Env: LAB_STATE_DIR required; DNS_RECORD_NAME (sso), DNS_RECORD_ADDRESS
#      (required for set), DNS_TTL (1), DNS_ZONE (lab.test), DNS_ADDRESS
#      (127.0.53.1), DNS_PORT (53), DNS_KEY_FILE (<state>/dns/tsig.key).
set -euo pipefail
LAB_COMPONENT=dns-record
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -f "$0")")/lib.sh"
cd /

require_state_dir
DNS_ADDRESS="${DNS_ADDRESS:-127.0.53.1}"
DNS_PORT="${DNS_PORT:-53}"
DNS_ZONE="${DNS_ZONE:-lab.test}"
DNS_RECORD_NAME="${DNS_RECORD_NAME:-sso}"
DNS_TTL="${DNS_TTL:-1}"
DNS_KEY_FILE="${DNS_KEY_FILE:-$LAB_STATE_DIR/dns/tsig.key}"
require_loopback "$DNS_ADDRESS" DNS_ADDRESS
require_port "$DNS_PORT" DNS_PORT
require_name "$DNS_RECORD_NAME" DNS_RECORD_NAME
[[ "$DNS_ZONE" =~ ^[a-z0-9-]+(\.[a-z0-9-]+)+$ ]] || die "DNS_ZONE '$DNS_ZONE' is not a domain name"
[[ "$DNS_TTL" =~ ^[0-9]+$ ]] || die "DNS_TTL '$DNS_TTL' is not a number of seconds"
fqdn="$DNS_RECORD_NAME.$DNS_ZONE"

lookup() { dig +short +time=1 +tries=2 -p "$DNS_PORT" "@$DNS_ADDRESS" "$fqdn" A; }

# nsupdate reads commands from stdin; values were validated above, so no
# user text can inject extra commands.
send_update() {
  [[ -r "$DNS_KEY_FILE" ]] || die "TSIG key $DNS_KEY_FILE not readable; is dns.sh up done?"
  nsupdate -k "$DNS_KEY_FILE" -t 5 || die "nsupdate for $fqdn on $DNS_ADDRESS:$DNS_PORT failed (server down or key rejected?)"
}

set_record() {
  require_env DNS_RECORD_ADDRESS
  require_loopback "$DNS_RECORD_ADDRESS" DNS_RECORD_ADDRESS
  if [[ "$(lookup)" == "$DNS_RECORD_ADDRESS" ]]; then
    log "$fqdn already -> $DNS_RECORD_ADDRESS"
    return 0
  fi
  # delete + add in one update message: atomic switch, no NXDOMAIN window.
  send_update <<UPD
server $DNS_ADDRESS $DNS_PORT
zone $DNS_ZONE
update delete $fqdn A
update add $fqdn $DNS_TTL A $DNS_RECORD_ADDRESS
send
UPD
  [[ "$(lookup)" == "$DNS_RECORD_ADDRESS" ]] || die "update sent but $fqdn does not resolve to $DNS_RECORD_ADDRESS"
  log "$fqdn -> $DNS_RECORD_ADDRESS (ttl $DNS_TTL)"
}

delete_record() {
  # On destroy the server may already be gone (half-failed up): then there
  # is no record left to delete, so warn instead of failing the teardown.
  if ! dig +time=1 +tries=1 -p "$DNS_PORT" "@$DNS_ADDRESS" "$DNS_ZONE" SOA >/dev/null 2>&1 \
     || [[ ! -r "$DNS_KEY_FILE" ]]; then
    warn "DNS server $DNS_ADDRESS:$DNS_PORT or key unavailable; nothing to delete"
    return 0
  fi
  [[ -z "$(lookup)" ]] && { log "$fqdn already absent"; return 0; }
  send_update <<UPD
server $DNS_ADDRESS $DNS_PORT
zone $DNS_ZONE
update delete $fqdn A
send
UPD
  log "$fqdn deleted"
}

require_cmd nsupdate bind9-dnsutils
require_cmd dig bind9-dnsutils
case "${1:-}" in
  set) set_record ;;
  delete) delete_record ;;
  get) lookup ;;
  *) die "usage: $0 set|delete|get" ;;
esac
