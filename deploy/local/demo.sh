#!/usr/bin/env bash
# The whole loop on the local stack, for a newcomer to watch (`make up` starts the workload, `make demo`
# walks the loop):
#
#   demo.sh up       the pretix_web stand-in on the local swarm: 2 tasks that register themselves on start
#   demo.sh run      raise its response time, watch the system scale it up; lower it, watch it scale down;
#                    then raise its load, watch target tracking follow it; pause it, watch it hold
#   demo.sh set S    set the stand-in's response time to S seconds (the demo's alarm fires above 10)
#   demo.sh load N   set the stand-in's load to N requests per second (the target is 10 per replica)
#   demo.sh status   its tasks, response time and load
#   demo.sh down     remove the stand-in
#
# Everything it shows comes from the real components: Prometheus's targets and alerts, the Scaler's
# decision record (through opsctl), and the swarm's replica count.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${PRETIXOPS_STATE:-$ROOT/.local}
SERVICE=pretix_web
ALERT="NGINX-Pretix Response Time alert"
VALUE_DIR=$STATE/demo
CONFIGURATION=${CONFIGURATION:-Release}

die() { printf '[demo] error: %s\n' "$*" >&2; exit 1; }
[[ -f $STATE/infra.env ]] || die "no $STATE/infra.env: run \`make up\` first"
# shellcheck disable=SC1091
source "$STATE/infra.env"
export DOCKER_HOST=$PRETIXOPS_DOCKER_HOST
PROMETHEUS=$PRETIXOPS_PROMETHEUS_URL

# Docker configs and secrets cannot change: each is named after a hash of its content.
content_name() { printf '%s-%s' "$1" "$(sha256sum "$2" | cut -c1-12)"; }

ensure_config() { # NAME FILE
  docker config inspect "$1" >/dev/null 2>&1 || docker config create "$1" "$2" >/dev/null
}

up() {
  mkdir -p "$VALUE_DIR"
  [[ -s $VALUE_DIR/response_time_seconds ]] || echo 0.05 >"$VALUE_DIR/response_time_seconds"
  [[ -s $VALUE_DIR/requests_per_second ]] || echo 15 >"$VALUE_DIR/requests_per_second"
  local register workload token
  register=$(content_name pretixops-register "$ROOT/deploy/registration/register.sh")
  workload=$(content_name pretixops-demo-workload "$ROOT/deploy/local/demo-workload.sh")
  token=$(content_name pretixops-demo-token "$STATE/secrets/api_token")
  if docker service inspect "$SERVICE" >/dev/null 2>&1; then
    # Running from these very scripts: nothing to do. From older ones: started again from these.
    [[ $(docker service inspect --format '{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{.ConfigName}} {{end}}' "$SERVICE") \
      == *"$register"*"$workload"* ]] && return 0
    docker service rm "$SERVICE" >/dev/null
    while docker ps -q --filter "label=com.docker.swarm.service.name=$SERVICE" | grep -q .; do sleep 1; done
  fi
  ensure_config "$register" "$ROOT/deploy/registration/register.sh"
  ensure_config "$workload" "$ROOT/deploy/local/demo-workload.sh"
  docker secret inspect "$token" >/dev/null 2>&1 || docker secret create "$token" "$STATE/secrets/api_token" >/dev/null
  printf '[demo] starting %s: 2 tasks of %s that register themselves with Registration\n' "$SERVICE" "$PRETIXOPS_BUSYBOX_IMAGE" >&2
  # Host network: this machine's swarm has no routable service VIPs, and Registration listens on loopback.
  docker service create --detach --name "$SERVICE" --replicas 2 --network host \
    --update-order stop-first --stop-grace-period 5s --no-resolve-image \
    --mount "type=bind,source=$VALUE_DIR,target=/demo,readonly" \
    --config "source=$register,target=/usr/local/bin/pretixops-register,mode=0555" \
    --config "source=$workload,target=/usr/local/bin/demo-workload,mode=0555" \
    --secret "source=$token,target=api_token" \
    --env PRETIXOPS_REGISTRATION_URL=http://127.0.0.1:5101 --env PRETIXOPS_TTL=600 \
    --env 'PRETIXOPS_SERVICE={{.Service.Name}}' --env 'PRETIXOPS_SLOT={{.Task.Slot}}' --env 'PRETIXOPS_NODE={{.Node.Hostname}}' \
    --entrypoint /usr/local/bin/demo-workload "$PRETIXOPS_BUSYBOX_IMAGE" >/dev/null
}

down() {
  docker service rm "$SERVICE" >/dev/null 2>&1 || true
}

write_value() { # FILE VALUE: replaced whole, so a task reads the old value or the new one
  mkdir -p "$VALUE_DIR"
  printf '%s\n' "$2" >"$VALUE_DIR/$1.tmp"
  mv "$VALUE_DIR/$1.tmp" "$VALUE_DIR/$1"
}
set_value() { write_value response_time_seconds "$1"; }
set_load() { write_value requests_per_second "$1"; }

# --- what the demo reads ------------------------------------------------------------------------

# The first value of an instant query; empty when it has no result.
query() {
  curl -fsS --get --data-urlencode "query=$1" "$PROMETHEUS/api/v1/query" 2>/dev/null \
    | sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p' | head -n 1
}

targets_up() { local n; n=$(query "count(up{job=\"pretix\",service=\"$SERVICE\"} == 1)"); echo "${n:-0}"; }

alert_state() {
  curl -fsS --get --data-urlencode "query=ALERTS{alertname=\"$ALERT\",service=\"$SERVICE\"}" "$PROMETHEUS/api/v1/query" 2>/dev/null \
    | grep -o '"alertstate":"[a-z]*"' | head -n 1 | cut -d'"' -f4
}

replicas() { docker service ls --filter "name=$SERVICE" --format '{{.Replicas}}' | head -n 1; }

# This clone's opsctl with the stack's config (services.sh writes it; `make up` makes it the operator's too).
opsctl() {
  OPSCTL_CONFIG=$STATE/opsctl.json dotnet "$ROOT/tools/Opsctl/bin/$CONFIGURATION/net10.0/PretixOps.Opsctl.dll" "$@"
}

# The newest decision for the service since SINCE with OUTCOME, as one line of opsctl's JSON.
decision_since() { opsctl decisions --service "$SERVICE" --since "$1" --outcome "$2" --json 2>/dev/null | head -n 1; }
# A field of one line of JSON: a string (with System.Text.Json's escapes of <, >, &, + and ' undone) or a number.
field() {
  sed -n -e "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" -e "t" -e "s/.*\"$1\":\([-0-9.]*\).*/\1/p" <<<"$2" \
    | sed -e 's/\\u003C/</g' -e 's/\\u003E/>/g' -e 's/\\u0026/\&/g' -e 's/\\u002B/+/g' -e "s/\\\\u0027/'/g"
}

START=$SECONDS
say() { printf '[%4ds] %s\n' $((SECONDS - START)) "$*"; }

# wait_for DESCRIPTION SECONDS COMMAND...: until COMMAND succeeds, or fail with the description.
wait_for() {
  local what=$1 bound=$2; shift 2
  local deadline=$((SECONDS + bound))
  until "$@"; do
    ((SECONDS < deadline)) || die "$what did not happen within $bound s (logs: $STATE/logs/)"
    sleep 1
  done
}

has_targets() { [[ $(targets_up) == "$1" ]]; }
alert_is() { [[ $(alert_state) == "$1" ]]; }
alert_gone() { [[ -z $(alert_state) ]]; }
replicas_are() { [[ $(replicas) == "$1/$1" ]]; }
decided() { # SINCE OUTCOME: a decision with this outcome was recorded since SINCE (it is in DECISION)
  DECISION=$(decision_since "$1" "$2")
  [[ -n $DECISION ]]
}

show_decision() {
  say "  decision $(field decisionId "$DECISION"): $(field outcome "$DECISION") $(field from "$DECISION") -> $(field to "$DECISION")" \
    "(trigger $(field trigger "$DECISION")): $(field reason "$DECISION")"
}

run() {
  up
  set_value 0.05
  set_load 15
  local begin
  begin=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  say "The stand-in $SERVICE runs 2 tasks. Each registered itself on start; DiscoveryWriter wrote them into Prometheus's targets."
  wait_for "2 targets of $SERVICE up in Prometheus" 120 has_targets 2
  say "  Prometheus scrapes 2 targets of $SERVICE: $(query "count(up{job=\"pretix\",service=\"$SERVICE\"})") registered, 2 up."
  local hosts
  hosts=$(curl -fsS --get --data-urlencode 'query=snmp_up{job="pretixops"} == 1' "$PROMETHEUS/api/v1/query" 2>/dev/null \
    | grep -o '"host":"[^"]*"' | cut -d'"' -f4 | sort -u | paste -sd, -)
  say "  SnmpPoller polls the node the tasks registered, and it answers over SNMP: ${hosts:-none yet}."

  say "Raising the response time of $SERVICE to 30 s (the alarm fires above 10 s, after 15 s)."
  set_value 30
  wait_for "the alert to be pending" 60 alert_is pending
  say "  Prometheus: \"$ALERT\" is pending."
  wait_for "the alert to fire" 90 alert_is firing
  say "  Prometheus: it fires. Alertmanager posts it to AlertIngest, which publishes AlertFired on the bus."
  wait_for "the Scaler's decision to scale up" 120 decided "$begin" Applied
  show_decision
  wait_for "3 running tasks" 120 replicas_are 3
  say "  Docker Swarm: $SERVICE runs $(replicas) tasks."
  wait_for "the new task's target in Prometheus" 120 has_targets 3
  say "  The new task registered itself: Prometheus scrapes 3 targets."

  say "Lowering the response time to 0.05 s."
  set_value 0.05
  local lowered; lowered=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  wait_for "the alert to resolve" 120 alert_gone
  say "  Prometheus: the alert is resolved. Alertmanager sends the resolution; AlertIngest publishes AlertResolved."
  local deadline=$((SECONDS + 15))
  until decided "$lowered" Cooldown || ((SECONDS > deadline)); do sleep 1; done
  [[ -z $DECISION ]] || show_decision
  say "  The Scaler scales down only after 45 s without a reason to scale up (the stabilization window)."
  wait_for "the Scaler's decision to scale down" 180 decided "$lowered" Applied
  show_decision
  wait_for "2 running tasks" 120 replicas_are 2
  say "  Docker Swarm: $SERVICE runs $(replicas) tasks."
  wait_for "the removed task's target to disappear" 120 has_targets 2
  say "  The removed task deregistered on its way out: Prometheus scrapes 2 targets again."
  target_tracking
  pause_and_resume
  say "The loop is closed. The whole record: opsctl decisions --service $SERVICE; what the Scaler sees now: opsctl status $SERVICE"
}

# One scale-up or scale-down step on the metric since SINCE: shown, and waited for in Docker.
metric_step() { # SINCE WHAT
  wait_for "$2" 120 decided "$1" Applied
  show_decision
  wait_for "$(field to "$DECISION") running tasks" 120 replicas_are "$(field to "$DECISION")"
}

# Seconds since the epoch of an ISO 8601 time.
epoch() { date -u -d "$1" +%s; }

# What the Scaler read last for the metric target (opsctl status), as a bare number.
# The status's own metrics come first; the last decision's inputs (with older values) follow.
metric_read() {
  opsctl status "$SERVICE" --json 2>/dev/null | tr -d ' \n' | grep -o '"metrics":\[{[^]]*' | head -n 1 \
    | sed -n 's/.*"value":\([-0-9.]*\).*/\1/p'
}
reads() { [[ $(metric_read) == "$1" ]]; }

target_tracking() {
  # The rate limit counts from the count 20 s ago: let the last change leave that period, so the steps read plainly.
  local settle=$(($(epoch "$(field at "$DECISION")") + 21 - $(date -u +%s)))
  ((settle <= 0)) || sleep "$settle"
  say "Target tracking: the Scaler also reads demo_requests_per_second from Prometheus every 5 s, against a target of 10 per replica."
  say "Raising the load to 60 requests/s, three times the 20 that 2 replicas carry: the formula asks for ceil(60 / 10) = 6, at most 2 more per 20 s."
  local since; since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  set_load 60
  metric_step "$since" "the first step up on the metric"
  since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  metric_step "$since" "the second step up on the metric"
  say "  Docker Swarm: $SERVICE runs $(replicas) tasks: the formula's count."

  say "Lowering the load to 15 requests/s: the formula asks for 2, but for 45 s the highest recommendation (6) holds."
  since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  set_load 15
  wait_for "the stabilization window to be recorded" 60 decided "$since" Cooldown
  show_decision
  metric_step "$since" "the first step down on the metric"
  since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  metric_step "$since" "the second step down on the metric"
}

pause_and_resume() {
  say "Pausing $SERVICE (opsctl pause, as the operator of .local/secrets/operator_token), then raising the load again."
  opsctl pause "$SERVICE" --reason "demo: hold the count during a deploy" | sed 's/^/         /'
  local since; since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  set_load 60
  wait_for "the Scaler to record that the pause holds" 60 decided "$since" Paused
  show_decision
  say "  Docker Swarm: $SERVICE still runs $(replicas) tasks."
  set_load 15
  wait_for "the Scaler to read the load back at 15" 60 reads 15
  opsctl resume "$SERVICE" --reason "demo: deploy done" | sed 's/^/         /'
}

status() {
  local state
  state=$(docker service ls --filter "name=$SERVICE" --format '{{.Replicas}}' 2>/dev/null | head -n 1)
  printf '%-17s %-7s %-15s %s\n' DEMO TASKS "RESPONSE TIME" "LOAD (make demo walks the loop; demo.sh set S / load N change them)"
  printf '%-17s %-7s %-15s %s\n' "$SERVICE" "${state:-down}" "$(cat "$VALUE_DIR/response_time_seconds" 2>/dev/null || echo -) s" \
    "$(cat "$VALUE_DIR/requests_per_second" 2>/dev/null || echo -) requests/s"
}

case ${1:-} in
  up) up ;;
  status) status ;;
  run) run ;;
  set) [[ ${2:-} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "usage: demo.sh set SECONDS"; set_value "$2" ;;
  load) [[ ${2:-} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "usage: demo.sh load REQUESTS_PER_SECOND"; set_load "$2" ;;
  down) down ;;
  *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
