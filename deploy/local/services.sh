#!/usr/bin/env bash
# The five PretixOps services as local background processes, wired to the local infrastructure.
#
#   services.sh up      build (Release), start every service that is not running, wait until each is ready
#   services.sh down    SIGTERM every service this script started, SIGKILL after 20 s
#   services.sh status  the table of what runs where
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${PRETIXOPS_STATE:-$ROOT/.local}
LOGS=$STATE/logs
RUN=$STATE/run
CONFIGURATION=${CONFIGURATION:-Release}
# name:project:port, in the order messages flow.
SERVICES=(registration:Registration:5101 discovery-writer:DiscoveryWriter:5102 snmp-poller:SnmpPoller:5103
  alert-ingest:AlertIngest:5104 scaler:Scaler:5105)

log() { printf '[services] %s\n' "$*" >&2; }
pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

up() {
  [[ -f $STATE/infra.env ]] || { log "no $STATE/infra.env: run deploy/local/infra.sh up first"; exit 1; }
  # shellcheck disable=SC1091
  source "$STATE/infra.env"
  mkdir -p "$LOGS" "$RUN" "$STATE/secrets"
  # The local operator's credential: opsctl pause, resume, dry-run and scale are recorded as "operator"; it reads
  # Registration's registry too (opsctl instances), so one token serves every opsctl command.
  [[ -s $STATE/secrets/operator_token ]] || (umask 077; openssl rand -hex 24 >"$STATE/secrets/operator_token")
  local operator=(Auth__Credentials__0__Name=operator Auth__Credentials__0__TokenFile="$STATE/secrets/operator_token")
  write_opsctl_config
  write_credentials
  log "building ($CONFIGURATION)"
  dotnet build "$ROOT/Microservices.sln" -c "$CONFIGURATION" -v quiet -nologo >"$LOGS/build.log" 2>&1 \
    || { tail -n 40 "$LOGS/build.log" >&2; exit 1; }
  local entry name project port
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name project port <<<"$entry"
    pid_alive "$RUN/$name.pid" && continue
    log "starting $name on 127.0.0.1:$port"
    local extra=()
    case $name in
      # Registration knows the workloads' credentials by their hashes only; the shared token is not one of them.
      registration) extra=(ConfigFile="$ROOT/deploy/registration/report-exporters.json" "${operator[@]}" Auth__Credentials__0__Roles__0=read
        Auth__TokensFile= Auth__CredentialsFile="$STATE/secrets/credentials.json" Registration__DockerHost="$PRETIXOPS_DOCKER_HOST") ;;
      discovery-writer) extra=(DiscoveryWriter__OutputDirectory="$STATE/sd"
        DiscoveryWriter__StateDirectory="$STATE/discovery-writer" DiscoveryWriter__InstanceName=local) ;;
      # The shipped policy, with the demo's pretix_web turning in seconds rather than minutes (`make demo`), and
      # a metric target on the stand-in's requests per second: 10 per replica, at most 2 more or fewer per 20 s.
      scaler) extra=(ConfigFile="$ROOT/deploy/scaler/policy.json" Scaler__DockerHost="$PRETIXOPS_DOCKER_HOST"
        Scaler__InstanceName=local Scaler__Prometheus__Url="$PRETIXOPS_PROMETHEUS_URL"
        Scaler__Services__pretix_web__Max=6 Scaler__Services__pretix_web__CooldownUp=00:00:30
        Scaler__Services__pretix_web__CooldownDown=00:00:30 Scaler__Services__pretix_web__StabilizationWindow=00:00:45
        Scaler__Services__pretix_web__Metrics__0__Name=requests
        Scaler__Services__pretix_web__Metrics__0__Query='max(demo_requests_per_second{job="pretix",service="pretix_web"})'
        Scaler__Services__pretix_web__Metrics__0__TargetPerReplica=10 Scaler__Services__pretix_web__Metrics__0__Interval=00:00:05
        Scaler__Services__pretix_web__ScaleUp__Limits__0__Step=2 Scaler__Services__pretix_web__ScaleUp__Limits__0__Period=00:00:20
        Scaler__Services__pretix_web__ScaleDown__Limits__0__Step=2 Scaler__Services__pretix_web__ScaleDown__Limits__0__Period=00:00:20
        "${operator[@]}" Auth__Credentials__0__Roles__0=operate Auth__Credentials__0__Roles__1=read) ;;
      # Nodes of registrations are polled as in a swarm, on the local snmpd's port: the demo's tasks register
      # this machine's host name as their node. That node is also a configured host at the snmpd's address (one host,
      # polled once), so Prometheus's snmp job may ask /snmp for 127.0.0.1:PORT: /snmp polls only known hosts.
      snmp-poller) extra=(SnmpPoller__InstanceName=local SnmpPoller__Discovery__Port="${PRETIXOPS_SNMPD_ENDPOINT##*:}"
        SnmpPoller__Hosts__0__Name="$(hostname)" SnmpPoller__Hosts__0__Address=127.0.0.1
        SnmpPoller__Hosts__0__Port="${PRETIXOPS_SNMPD_ENDPOINT##*:}") ;;
      alert-ingest) extra=(AlertIngest__Alertmanager__TokensFile="$STATE/secrets/api_token"
        AlertIngest__Grafana__TokensFile="$STATE/secrets/api_token" AlertIngest__GrafanaLegacy__TokensFile="$STATE/secrets/api_token") ;;
    esac
    env Messaging__Host="$PRETIXOPS_RABBITMQ_HOST" Messaging__Port="$PRETIXOPS_RABBITMQ_PORT" \
      Messaging__Username="$PRETIXOPS_RABBITMQ_USER" Messaging__PasswordFile="$PRETIXOPS_RABBITMQ_PASSWORD_FILE" \
      Auth__TokensFile="$STATE/secrets/api_token" "${extra[@]}" \
      setsid dotnet "$ROOT/services/$project/bin/$CONFIGURATION/net10.0/PretixOps.$project.dll" \
      --urls "http://127.0.0.1:$port" >"$LOGS/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
  done
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name project port <<<"$entry"
    local ready=
    for ((i = 0; i < 120; i++)); do
      if curl -fsS "http://127.0.0.1:$port/healthz/ready" >/dev/null 2>&1; then ready=1; break; fi
      pid_alive "$RUN/$name.pid" || break
      sleep 0.5
    done
    if [[ -z $ready ]]; then
      log "$name did not become ready. Last lines of $LOGS/$name.log:"
      tail -n 30 "$LOGS/$name.log" >&2
      exit 1
    fi
  done
}

# opsctl's config for this stack, $STATE/opsctl.json (deploy/local/opsctl.sh links ~/.config/opsctl/config.json to
# it): where each part listens, and the FILES that hold the secrets, never a secret. Written whole, then moved.
write_opsctl_config() {
  local entry name project port registration='' scaler=''
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name project port <<<"$entry"
    case $name in registration) registration=$port ;; scaler) scaler=$port ;; esac
  done
  cat >"$STATE/opsctl.json.tmp" <<JSON
{
  "broker": "amqp://$PRETIXOPS_RABBITMQ_USER@$PRETIXOPS_RABBITMQ_HOST:$PRETIXOPS_RABBITMQ_PORT/",
  "passwordFile": "$(json_string "$PRETIXOPS_RABBITMQ_PASSWORD_FILE")",
  "management": "http://$PRETIXOPS_RABBITMQ_HOST:$PRETIXOPS_RABBITMQ_MGMT_PORT/",
  "registration": "http://127.0.0.1:$registration/",
  "scaler": "http://127.0.0.1:$scaler/",
  "tokenFile": "$(json_string "$STATE/secrets/operator_token")"
}
JSON
  mv "$STATE/opsctl.json.tmp" "$STATE/opsctl.json"
}

# Registration's credentials file: the local workloads (the demo's pretix_web, on this machine's swarm) register with
# the api_token, which may register pretix_web at the address it calls from and nothing else. Only its SHA-256 is
# written: the file holds no token. Rewritten on every start, so a new api_token is taken at once.
write_credentials() {
  local hash
  hash=$(tr -d '\r\n' <"$STATE/secrets/api_token" | sha256sum | cut -d' ' -f1)
  (umask 077; cat >"$STATE/secrets/credentials.json.tmp" <<JSON
[
  {"name": "local-workloads", "sha256": "$hash", "roles": ["register"], "services": ["pretix_web"]}
]
JSON
  )
  mv "$STATE/secrets/credentials.json.tmp" "$STATE/secrets/credentials.json"
}

# TEXT as the inside of a JSON string: a path may hold a backslash or a quote.
json_string() { sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' <<<"$1"; }

down() {
  local entry name project port pids=()
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name project port <<<"$entry"
    if pid_alive "$RUN/$name.pid"; then
      log "stopping $name"
      kill -TERM "$(cat "$RUN/$name.pid")" 2>/dev/null || true
      pids+=("$(cat "$RUN/$name.pid")")
    fi
    rm -f "$RUN/$name.pid"
  done
  for ((i = 0; i < 40; i++)); do
    local alive=0 pid
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

status() {
  printf '%-17s %-7s %-28s %s\n' SERVICE STATE URL LOG
  local entry name project port state
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name project port <<<"$entry"
    if curl -fsS "http://127.0.0.1:$port/healthz/ready" >/dev/null 2>&1; then state=ready
    elif pid_alive "$RUN/$name.pid"; then state=started
    else state=down; fi
    printf '%-17s %-7s %-28s %s\n' "$name" "$state" "http://127.0.0.1:$port" "$LOGS/$name.log"
  done
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
