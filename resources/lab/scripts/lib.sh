# shellcheck shell=bash
# Shared helpers for the lab scripts. Sourced, never executed.
# Every script runs with `set -euo pipefail`; helpers return non-zero instead
# of exiting unless their name says otherwise (die, require_*).

LAB_COMPONENT="${LAB_COMPONENT:-lab}"

log() { printf '[%s] %s\n' "$LAB_COMPONENT" "$*" >&2; }
warn() { printf '[%s] WARNING: %s\n' "$LAB_COMPONENT" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$LAB_COMPONENT" "$*" >&2; exit 1; }

# require_env VAR... : fail early with the variable's name instead of an
# "unbound variable" from deep inside the script.
require_env() {
  local v
  for v in "$@"; do
    [[ -n "${!v:-}" ]] || die "environment variable $v is required"
  done
}

# require_cmd CMD PACKAGE : name the Debian package so the fix is obvious.
require_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found; install it with: apt-get install -y $2"
}

# The lab only ever binds loopback addresses: refusing anything else keeps a
# typo from exposing sshd or postgres on a real interface.
require_loopback() {
  local addr="$1" what="$2"
  [[ "$addr" =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] \
    || die "$what '$addr' is not a 127.x.y.z loopback address"
}

require_port() {
  if [[ ! "$1" =~ ^[0-9]{1,5}$ ]] || (( $1 < 1 || $1 > 65535 )); then
    die "$2 '$1' is not a TCP/UDP port"
  fi
}

# A name that ends up in file paths and config files: keep it boring.
require_name() {
  [[ "$1" =~ ^[a-z0-9][a-z0-9_-]{0,30}$ ]] || die "$2 '$1' must match [a-z0-9][a-z0-9_-]*"
}

# State dir must be absolute: sshd, postgres and named all get it in configs
# and resolve relative paths against their own working directories.
require_state_dir() {
  require_env LAB_STATE_DIR
  [[ "$LAB_STATE_DIR" == /* ]] || die "LAB_STATE_DIR must be an absolute path (got '$LAB_STATE_DIR')"
  mkdir -p "$LAB_STATE_DIR"
}

is_root() { [[ "$(id -u)" == 0 ]]; }

is_true() { [[ "${1,,}" =~ ^(1|true|yes|on)$ ]]; }

# Unix sockets are limited to 107 bytes (sun_path); a deep state dir breaks
# haproxy/postgres with an obscure error, so say it up front.
require_socket_path() {
  (( ${#1} <= 100 )) || die "socket path '$1' is ${#1} bytes; unix sockets allow ~100. Use a shorter state dir."
}

# pid_from_file FILE : prints the pid if the file names a live process.
pid_from_file() {
  local pid
  [[ -r "$1" ]] || return 1
  pid="$(tr -dc '0-9' <"$1" | head -c 10)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s\n' "$pid"
}

# pid_cmdline_has PID NEEDLE : guards against pid reuse by checking that the
# live pid really is our process (its command line names our config file).
pid_cmdline_has() {
  [[ -r "/proc/$1/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "$2"
}

# pids_with_cmdline NEEDLE : every process whose command line contains NEEDLE
# (fixed string, not a regex: paths may contain regex characters).
pids_with_cmdline() {
  local d pid
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    [[ -r "$d/cmdline" ]] || continue
    if tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF -- "$1"; then
      printf '%s\n' "$pid"
    fi
  done
}

# terminate PID NAME [TIMEOUT] : SIGTERM, wait, then SIGKILL.
terminate() {
  local pid="$1" name="$2" timeout="${3:-15}" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  warn "$name (pid $pid) ignored SIGTERM for ${timeout}s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

# listeners ADDR PORT PROTO(t|u) : prints `ss` lines for anything bound to
# ADDR:PORT, including wildcard binds that would make our bind fail.
listeners() {
  local addr="$1" port="$2" proto="${3:-t}"
  ss -Hln"${proto}"p 2>/dev/null | awk -v a="$addr:$port" -v p=":$port" '
    $4 == a || $4 == "0.0.0.0" p || $4 == "*" p || $4 == "[::]" p { print $4, $6 }'
}

# require_free ADDR PORT PROTO WHAT HINT : the clear message for fault #6.
require_free() {
  local addr="$1" port="$2" proto="$3" what="$4" hint="$5" busy
  busy="$(listeners "$addr" "$port" "$proto")"
  [[ -z "$busy" ]] || die "$what cannot start: $addr:$port/$([[ $proto == t ]] && echo tcp || echo udp) is already in use by: $(paste -sd ' ' <<<"$busy") -- stop that process or $hint"
}

# wait_listening ADDR PORT PROTO TIMEOUT_S
wait_listening() {
  local i
  for ((i = 0; i < $4 * 10; i++)); do
    [[ -n "$(listeners "$1" "$2" "$3")" ]] && return 0
    sleep 0.1
  done
  return 1
}

# write_if_changed FILE MODE : stdin -> FILE, only when the content differs.
# Returns 0 if the file changed, 1 if it was already identical; callers use
# that to decide whether a running daemon needs a reload.
write_if_changed() {
  local file="$1" mode="$2" tmp
  tmp="$(mktemp "$file.XXXXXX")"
  cat >"$tmp"
  chmod "$mode" "$tmp"
  if [[ -f "$file" ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  mv -f "$tmp" "$file"
  return 0
}

# Undo for a failed `up`. Terraform marks a resource whose create-time
# provisioner failed as tainted and never runs its destroy-time provisioner,
# so `up` has to clean up its own partial work. Scripts define undo_up(),
# which reads UP_STARTED (this run started a daemon) and UP_FRESH (this run
# created the component's directory), then wrap up's body with
# arm_up_cleanup ... disarm_up_cleanup.
# shellcheck disable=SC2034  # read by the scripts that source this file
UP_STARTED=false UP_FRESH=false
_on_up_exit() {
  local rc=$?
  ((rc == 0)) && return 0
  warn "up failed; undoing what this run created"
  undo_up || warn "cleanup after the failed up was incomplete"
  return "$rc"
}
arm_up_cleanup() { trap _on_up_exit EXIT; }
disarm_up_cleanup() { trap - EXIT; }
