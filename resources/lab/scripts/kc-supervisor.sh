#!/usr/bin/env bash
# kc-supervisor start|stop|restart|status|wait-ready [timeout_s]|cluster-size
# Small process supervisor for one Keycloak node, installed by Ansible as
# <node_root>/usr/local/bin/kc-supervisor. Runs `kc.sh start --optimized` in
# its own session (survives the SSH session that started it), keeps a pid
# file and a log file, and stops gracefully: SIGTERM (kc.sh forwards it to
# the JVM, which drains and leaves the cluster), then SIGKILL after a timeout.
#
# Config: KEY=VALUE lines in KEYCLOAK_SUPERVISOR_CONF (default: ../../../etc/
# keycloak/supervisor.env relative to this script, i.e. /etc/keycloak/... on
# a real VM). Parsed, not sourced; only these keys are accepted:
#   KEYCLOAK_HOME (required; the symlink to the active version), JAVA_HOME
#   (required), KEYCLOAK_RUN_DIR, KEYCLOAK_LOG_FILE, KEYCLOAK_MANAGEMENT_URL
#   (http://<addr>:9000), KEYCLOAK_STOP_TIMEOUT (120), JAVA_OPTS_APPEND,
#   KC_BOOTSTRAP_ADMIN_USERNAME, KC_BOOTSTRAP_ADMIN_PASSWORD.
# The supervisor's own keys deliberately avoid the KC_ prefix: Keycloak reads
# every KC_* environment variable as an option (KC_LOG_FILE = --log-file).
set -euo pipefail

die() { printf 'kc-supervisor: ERROR: %s\n' "$*" >&2; exit 1; }
self_dir="$(dirname "$(readlink -f "$0")")"
conf="${KEYCLOAK_SUPERVISOR_CONF:-$self_dir/../../../etc/keycloak/supervisor.env}"
[[ -r "$conf" ]] || die "config $conf not found"

while IFS= read -r line || [[ -n "$line" ]]; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  key="${line%%=*}" value="${line#*=}"
  case "$key" in
    # Passed on to kc.sh / the JVM.
    JAVA_HOME | JAVA_OPTS_APPEND | KC_BOOTSTRAP_ADMIN_USERNAME | KC_BOOTSTRAP_ADMIN_PASSWORD)
      export "$key=$value" ;;
    # Supervisor settings: shell variables only, never exported.
    KEYCLOAK_HOME | KEYCLOAK_RUN_DIR | KEYCLOAK_LOG_FILE | KEYCLOAK_MANAGEMENT_URL | KEYCLOAK_STOP_TIMEOUT)
      printf -v "$key" '%s' "$value" ;;
    *) die "unknown key '$key' in $conf" ;;
  esac
done <"$conf"

[[ -n "${KEYCLOAK_HOME:-}" ]] || die "KEYCLOAK_HOME missing in $conf"
[[ -n "${JAVA_HOME:-}" ]] || die "JAVA_HOME missing in $conf"
run_dir="${KEYCLOAK_RUN_DIR:-$(dirname "$conf")/run}"
log_file="${KEYCLOAK_LOG_FILE:-$run_dir/keycloak.log}"
mgmt_url="${KEYCLOAK_MANAGEMENT_URL:-}"
pid_file="$run_dir/keycloak.pid"
started_file="$run_dir/keycloak.started"   # what the running process was started from
stop_timeout="${KEYCLOAK_STOP_TIMEOUT:-120}"
[[ "$stop_timeout" =~ ^[0-9]+$ ]] || die "KEYCLOAK_STOP_TIMEOUT must be seconds"

running_pid() {
  local pid
  [[ -r "$pid_file" ]] || return 1
  pid="$(tr -dc '0-9' <"$pid_file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # pid reuse guard: our process is kc.sh (or its java) from a Keycloak home
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE 'kc\.sh|kc\.home\.dir' || return 1
  printf '%s\n' "$pid"
}

sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }

start() {
  local pid home
  if pid="$(running_pid)"; then echo "already running pid=$pid"; return 0; fi
  home="$(readlink -f "$KEYCLOAK_HOME")" || die "KEYCLOAK_HOME $KEYCLOAK_HOME does not resolve"
  [[ -x "$home/bin/kc.sh" ]] || die "$home/bin/kc.sh not found (is Keycloak installed?)"
  [[ -x "$JAVA_HOME/bin/java" ]] || die "JAVA_HOME $JAVA_HOME has no bin/java"
  mkdir -p "$run_dir" "$(dirname "$log_file")"
  printf '\n==== %s kc-supervisor start home=%s java=%s\n' "$(date -Is)" "$home" "$JAVA_HOME" >>"$log_file"
  export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
  [[ -n "${JAVA_OPTS_APPEND:-}" ]] && export JAVA_OPTS_APPEND
  # setsid: own session and process group, so the node's SSH session can end
  # and `stop` can signal the whole group. stdin from /dev/null so an SSH
  # client (Ansible) is not held open by the child.
  cd "$home"
  setsid "$home/bin/kc.sh" start --optimized >>"$log_file" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pid_file"
  # Recorded so a deployment tool can tell whether the running process
  # matches the installed version and configuration (restart needed?).
  printf 'home=%s conf_sha256=%s env_sha256=%s\n' "$home" "$(sha "$home/conf/keycloak.conf")" "$(sha "$conf")" >"$started_file"
  # Catches an immediate exit (bad option, missing JDK); a later death is
  # caught by wait-ready, which polls the process as well.
  sleep 0.5
  kill -0 "$pid" 2>/dev/null || { explain_failure; die "Keycloak exited right after start; see $log_file"; }
  echo "started pid=$pid home=$home log=$log_file"
}

stop() {
  local pid i
  if ! pid="$(running_pid)"; then echo "not running"; rm -f "$pid_file" "$started_file"; return 0; fi
  kill -TERM "$pid" 2>/dev/null || true
  # Polled every 0.2 s: the caller (a rolling upgrade) waits on this.
  for ((i = 0; i < stop_timeout * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "graceful stop timed out after ${stop_timeout}s; SIGKILL" >&2
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  # The JVM is in kc.sh's process group; make sure nothing of it survives.
  pkill -KILL -g "$pid" 2>/dev/null || true
  rm -f "$pid_file" "$started_file"
  echo "stopped (was pid=$pid after $((i / 5)).$((i % 5 * 2))s)"
}

# Exit 0 + "running pid=N home=H conf_sha256=X env_sha256=Y", or exit 3 +
# "stopped" (LSB convention).
status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running pid=$pid $(cat "$started_file" 2>/dev/null || echo 'home=? conf_sha256=? env_sha256=?')"
  else
    echo "stopped"
    return 3
  fi
}

# explain_failure : the useful part of the log since the last start. Keycloak
# prints the cause as "ERROR: ..." lines from ExecutionExceptionHandler;
# otherwise show the tail without Java stack frames.
explain_failure() {
  local section
  section="$(awk '/^==== .* kc-supervisor start /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$log_file" 2>/dev/null)"
  if grep -q 'ExecutionExceptionHandler' <<<"$section"; then
    grep 'ExecutionExceptionHandler' <<<"$section" | sed -E 's/^.*ExecutionExceptionHandler\] \([^)]*\) //' | grep -v -- '--verbose' >&2
  else
    grep -vE $'^\t|^\s+at |^Caused by' <<<"$section" | tail -n 15 >&2
  fi
}

# Poll the readiness endpoint; fail fast (with the log tail) if the process
# dies, so a node that cannot start does not cost the whole timeout.
wait_ready() {
  local timeout="${1:-300}" i pid
  [[ "$timeout" =~ ^[0-9]+$ ]] || die "timeout must be seconds"
  [[ -n "$mgmt_url" ]] || die "KEYCLOAK_MANAGEMENT_URL missing in $conf"
  # Every 0.5 s: a rolling upgrade waits on this before it touches the next node.
  for ((i = 0; i < timeout * 2; i++)); do
    pid="$(running_pid)" || { explain_failure; die "Keycloak exited during startup; see $log_file"; }
    if curl -fsS -o /dev/null --max-time 2 "$mgmt_url/health/ready" 2>/dev/null; then
      echo "ready after $((i / 2)).$((i % 2 * 5))s pid=$pid ($mgmt_url/health/ready)"
      return 0
    fi
    sleep 0.5
  done
  explain_failure
  die "not ready after ${timeout}s ($mgmt_url/health/ready); see $log_file"
}

# Members of the cluster view this node sees (Infinispan metric), e.g. "2".
cluster_size() {
  [[ -n "$mgmt_url" ]] || die "KEYCLOAK_MANAGEMENT_URL missing in $conf"
  local size
  # awk reads to the end (no early exit) so curl never hits a closed pipe.
  size="$(curl -fsS --max-time 5 "$mgmt_url/metrics" \
    | awk '/^vendor_cluster_size[{ ]/ && !seen { printf "%d\n", $NF; seen = 1 }')" \
    || die "cannot read $mgmt_url/metrics"
  [[ -n "$size" ]] || die "no vendor_cluster_size in $mgmt_url/metrics (metrics-enabled=true? cache=ispn?)"
  echo "$size"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  wait-ready) wait_ready "${2:-300}" ;;
  cluster-size) cluster_size ;;
  *) die "usage: kc-supervisor start|stop|restart|status|wait-ready [timeout_s]|cluster-size" ;;
esac
