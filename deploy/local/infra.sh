#!/usr/bin/env bash
# Local infrastructure for development and tests: RabbitMQ, dockerd in swarm mode, snmpd, Prometheus and
# Alertmanager, installed from Debian packages and run as the project's own processes, on their own ports,
# sockets and data folders under $PRETIXOPS_STATE (default .local/, ignored by git), bound to loopback.
# Every command is idempotent; `down` stops what `up` started and nothing else.
#
#   infra.sh install            install the Debian packages that are missing
#   infra.sh up [COMPONENT...]  install, then start (all components by default) and wait until each answers
#   infra.sh down [COMPONENT...]
#   infra.sh start|stop COMPONENT
#   infra.sh status             one line per component
#   infra.sh env                the settings tests and services use (also written to $STATE/infra.env)
#
# Components: rabbitmq docker snmpd prometheus alertmanager
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${PRETIXOPS_STATE:-$ROOT/.local}
LOGS=$STATE/logs
RUN=$STATE/run
SECRETS=$STATE/secrets
COMPONENTS=(rabbitmq docker snmpd prometheus alertmanager)

RABBITMQ_PORT=${PRETIXOPS_RABBITMQ_PORT:-5673}
RABBITMQ_MGMT_PORT=${PRETIXOPS_RABBITMQ_MGMT_PORT:-15673}
RABBITMQ_DIST_PORT=${PRETIXOPS_RABBITMQ_DIST_PORT:-25673}
RABBITMQ_TLS_PORT=${PRETIXOPS_RABBITMQ_TLS_PORT:-5674}
EPMD_PORT=${PRETIXOPS_EPMD_PORT:-14369}
RABBITMQ_USER=pretixops
SNMPD_PORT=${PRETIXOPS_SNMPD_PORT:-11161}
PROMETHEUS_PORT=${PRETIXOPS_PROMETHEUS_PORT:-19090}
ALERTMANAGER_PORT=${PRETIXOPS_ALERTMANAGER_PORT:-19093}
BUSYBOX_IMAGE=pretixops/busybox:local

# Unix socket paths are limited to 108 bytes, and a clone can live deep in a file system: dockerd's
# socket and exec root go to a short folder named after the state folder.
DOCKER_RUN=/run/pretixops-$(printf '%s' "$STATE" | sha1sum | cut -c1-10)
DOCKER_SOCK=$DOCKER_RUN/docker.sock
DOCKER_TLS_PORT=${PRETIXOPS_DOCKER_TLS_PORT:-23760}
DOCKER_TLS=$STATE/docker-tls
# A private CA and a server certificate for localhost and 127.0.0.1: RabbitMQ's amqps listener, and the tests'
# HTTPS endpoints, use them.
TLS=$STATE/tls

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

# A component that does not come up fails the run with its log, never a silent skip.
fail_with_log() {
  local name=$1 file=$2
  printf '[infra] error: %s did not start. Last lines of %s:\n' "$name" "$file" >&2
  tail -n 40 "$file" >&2 2>/dev/null || true
  exit 1
}

wait_for() { # NAME LOGFILE TRIES COMMAND...
  local name=$1 file=$2 tries=$3; shift 3
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  fail_with_log "$name" "$file"
}

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() { # PIDFILE NAME
  local file=$1 name=$2
  pid_alive "$file" || { rm -f "$file"; return 0; }
  local pid; pid=$(cat "$file")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop on SIGTERM: killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

ensure_dirs() {
  mkdir -p "$LOGS" "$RUN" "$SECRETS"
  chmod 700 "$SECRETS"
  # The bearer token of the local APIs (Registration, http_sd, AlertIngest), made once; Alertmanager uses it too.
  [[ -s $SECRETS/api_token ]] || (umask 077; openssl rand -hex 24 >"$SECRETS/api_token")
}

# --- install -----------------------------------------------------------------------------------

install() {
  local missing=()
  command -v rabbitmq-server >/dev/null || missing+=(rabbitmq-server)
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker >/dev/null || missing+=(docker.io)
  command -v snmpd >/dev/null || missing+=(snmpd)
  command -v snmpget >/dev/null || missing+=(snmp)
  command -v prometheus >/dev/null || missing+=(prometheus)
  command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
  # The peer `make bench` measures SnmpPoller's /snmp against; never started by `make up`.
  command -v prometheus-snmp-exporter >/dev/null || missing+=(prometheus-snmp-exporter)
  # Static: it runs in an image with no libraries (a dynamic busybox package would replace it).
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  # The deploy checks: images for the local swarm, and the configs of docker-stack.yml tested with the real tools.
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v nginx >/dev/null || missing+=(nginx)
  command -v haproxy >/dev/null || missing+=(haproxy)
  # nginx.conf relays its access log with a stream block; Debian ships that module apart.
  [[ -e /usr/share/nginx/modules-available/mod-stream.conf ]] || missing+=(libnginx-mod-stream)
  command -v curl >/dev/null || missing+=(curl)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v pkill >/dev/null || missing+=(procps)
  command -v setsid >/dev/null || missing+=(util-linux)
  ((${#missing[@]} == 0)) && return 0
  [[ $(id -u) == 0 ]] || die "missing packages (${missing[*]}); run as root or install them: apt-get install ${missing[*]}"
  log "installing ${missing[*]}"
  local apt_log=$STATE/logs/apt.log
  ensure_dirs
  # Debian's maintainer scripts would start system-wide copies of these servers, which `make down` would
  # not stop; ours run on their own. A policy-rc.d that refuses (exit 101) keeps the system ones off.
  local policy=/usr/sbin/policy-rc.d own_policy=
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update >"$apt_log" 2>&1 || fail_with_log apt-get "$apt_log"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 \
    || { [[ -n $own_policy ]] && rm -f "$policy"; fail_with_log apt-get "$apt_log"; }
  [[ -n $own_policy ]] && rm -f "$policy"
  return 0
}

# --- RabbitMQ ----------------------------------------------------------------------------------

rabbitmq_env() {
  export HOME=$STATE/rabbitmq/home
  export RABBITMQ_NODENAME=pretixops@localhost
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT=$RABBITMQ_PORT
  export RABBITMQ_DIST_PORT=$RABBITMQ_DIST_PORT
  export RABBITMQ_CONFIG_FILE=$STATE/rabbitmq/rabbitmq.conf
  export RABBITMQ_CONF_ENV_FILE=$STATE/rabbitmq/rabbitmq-env.conf
  export RABBITMQ_ENABLED_PLUGINS_FILE=$STATE/rabbitmq/enabled_plugins
  export RABBITMQ_MNESIA_BASE=$STATE/rabbitmq/mnesia
  export RABBITMQ_LOG_BASE=$LOGS/rabbitmq
  export RABBITMQ_PID_FILE=$RUN/rabbitmq.pid
  export ERL_EPMD_ADDRESS=127.0.0.1
  export ERL_EPMD_PORT=$EPMD_PORT
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

# A local CA and one server certificate (localhost, 127.0.0.1), made once; renewed when it expires within 30 days.
make_tls() {
  [[ -s $TLS/server-key.pem ]] && openssl x509 -checkend 2592000 -noout -in "$TLS/server-cert.pem" >/dev/null 2>&1 && return 0
  mkdir -p "$TLS"
  (
    cd "$TLS"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=pretixops-local-tls-ca" -keyout ca-key.pem -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server-key.pem -out server.csr
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 825 -extfile server.ext -out server-cert.pem
    # RabbitMQ runs as this user too; the key stays private to it.
    chmod 644 ca.pem server-cert.pem
  ) >"$LOGS/tls.log" 2>&1 || fail_with_log "TLS certificates" "$LOGS/tls.log"
}

rabbitmqctl() { (rabbitmq_env; /usr/lib/rabbitmq/bin/rabbitmqctl "$@"); }

start_rabbitmq() {
  ensure_dirs
  mkdir -p "$STATE/rabbitmq/home" "$STATE/rabbitmq/mnesia" "$LOGS/rabbitmq"
  [[ -s $SECRETS/rabbitmq_password ]] || (umask 077; openssl rand -hex 24 >"$SECRETS/rabbitmq_password")
  make_tls
  # default_user/default_pass only seed a new node; the password file is kept with the node's data.
  cat >"$STATE/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$RABBITMQ_PORT
listeners.ssl.default = 127.0.0.1:$RABBITMQ_TLS_PORT
ssl_options.cacertfile = $TLS/ca.pem
ssl_options.certfile = $TLS/server-cert.pem
ssl_options.keyfile = $TLS/server-key.pem
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBITMQ_MGMT_PORT
default_user = $RABBITMQ_USER
default_pass = $(cat "$SECRETS/rabbitmq_password")
loopback_users = none
log.file.level = info
EOF
  chmod 600 "$STATE/rabbitmq/rabbitmq.conf"
  : >"$STATE/rabbitmq/rabbitmq-env.conf"
  # The shovel plugins are the management UI's "Move messages", the peer `make bench` measures opsctl's replay against.
  echo '[rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management].' >"$STATE/rabbitmq/enabled_plugins"
  if rabbitmqctl status >/dev/null 2>&1; then return 0; fi
  log "starting RabbitMQ on 127.0.0.1:$RABBITMQ_PORT (management $RABBITMQ_MGMT_PORT)"
  (rabbitmq_env; cd "$STATE/rabbitmq" && /usr/lib/rabbitmq/bin/rabbitmq-server -detached) \
    >"$LOGS/rabbitmq-start.log" 2>&1 || fail_with_log RabbitMQ "$LOGS/rabbitmq-start.log"
  sleep 1
  rabbitmqctl wait --timeout 90 "$RUN/rabbitmq.pid" >>"$LOGS/rabbitmq-start.log" 2>&1 \
    || fail_with_log RabbitMQ "$(ls -t "$LOGS"/rabbitmq/*.log 2>/dev/null | head -n1 || echo "$LOGS/rabbitmq-start.log")"
  wait_for RabbitMQ "$LOGS/rabbitmq-start.log" 60 \
    curl -fsS -u "$RABBITMQ_USER:$(cat "$SECRETS/rabbitmq_password")" "http://127.0.0.1:$RABBITMQ_MGMT_PORT/api/overview"
}

stop_rabbitmq() {
  if pid_alive "$RUN/rabbitmq.pid"; then
    log "stopping RabbitMQ"
    rabbitmqctl stop "$RUN/rabbitmq.pid" >/dev/null 2>&1 || stop_pid "$RUN/rabbitmq.pid" rabbitmq
  fi
  rm -f "$RUN/rabbitmq.pid"
  # Our own epmd (on its own port) goes with the node.
  (rabbitmq_env; epmd -kill >/dev/null 2>&1 || true)
}

status_rabbitmq() { rabbitmqctl status >/dev/null 2>&1; }

# --- dockerd in swarm mode ---------------------------------------------------------------------

docker_cli() { DOCKER_HOST=unix://$DOCKER_SOCK docker "$@"; }

# The Engine API also over TCP with TLS client certificates, as a remote Scaler reaches a manager: a
# private CA, a server certificate for 127.0.0.1 and a client certificate, made once.
make_docker_tls() {
  [[ -s $DOCKER_TLS/client-key.pem ]] && return 0
  mkdir -p "$DOCKER_TLS"
  (
    cd "$DOCKER_TLS"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=pretixops-local-ca" -keyout ca-key.pem -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server-key.pem -out server.csr
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile server.ext -out server-cert.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=pretixops-scaler" -keyout client-key.pem -out client.csr
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile client.ext -out client-cert.pem
  ) >"$LOGS/docker-tls.log" 2>&1 || fail_with_log "docker TLS certificates" "$LOGS/docker-tls.log"
}

# overlay2 shares image layers; vfs copies every layer in full, which makes image builds slow and large,
# but works on any file system. overlay2 where this kernel and file system can mount an overlay.
storage_driver() {
  if [[ -n ${PRETIXOPS_DOCKER_STORAGE_DRIVER:-} ]]; then echo "$PRETIXOPS_DOCKER_STORAGE_DRIVER"; return; fi
  local probe; probe=$(mktemp -d "$STATE/docker/overlay-probe.XXXXXX")
  mkdir -p "$probe"/{lower,upper,work,merged}
  if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
    umount "$probe/merged"; echo overlay2
  else
    echo vfs
  fi
  rm -rf "$probe"
}

# Every swarm on one kernel gives its ingress network VXLAN id 4096 on UDP port 4789, and the kernel allows one
# such device. A dockerd that was killed (a run interrupted, a session gone) leaves its network namespaces
# mounted under its exec root, the ingress VXLAN device inside: the next swarm's ingress then fails with
# "error creating vxlan interface: file exists" and no task with a published port ever starts. The exec roots
# of local dockerds that no longer run are released here; one that still runs is another checkout's
# infrastructure, and is named rather than touched.
release_dead_docker_runs() {
  local run
  for run in /run/pretixops-*/; do
    run=${run%/}
    [[ -d $run/exec ]] || continue
    if pgrep -f -- "--exec-root $run/exec" >/dev/null 2>&1; then
      [[ $run == "$DOCKER_RUN" ]] && continue
      die "another local swarm runs (dockerd on unix://$run/docker.sock, exec root $run/exec): its ingress network holds the kernel's one VXLAN device of id 4096, so this swarm's ingress could not form. Stop it with \`make down\` in its checkout."
    fi
    if release_docker_run "$run"; then
      log "released what a local dockerd that no longer runs left mounted or running under $run"
    fi
  done
}

# What a dockerd leaves under its exec root RUN once it has stopped: mounted network namespaces, containerd
# and shims. Unmounted, stopped, removed. Succeeds when there was anything to release.
release_docker_run() {
  local run=$1 mount released=1
  for mount in $(awk -v root="$run/" 'index($2, root) == 1 {print $2}' /proc/mounts 2>/dev/null | sort -r); do
    umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true
    released=0
  done
  if pkill -TERM -f -- "$run/" 2>/dev/null; then
    released=0
    sleep 0.5
    pkill -KILL -f -- "$run/" 2>/dev/null || true
  fi
  rm -rf "$run" 2>/dev/null || true
  return "$released"
}

# --no-new-privileges: swarm services cannot ask for it (docker stack deploy drops security_opt), so every node's
# dockerd sets it for every container it starts, as the README's prerequisites ask of a production node.
start_docker() {
  ensure_dirs
  make_docker_tls
  if ! docker_cli info >/dev/null 2>&1; then
    release_dead_docker_runs
    mkdir -p "$STATE/docker/data" "$DOCKER_RUN/exec"
    local driver; driver=$(storage_driver)
    log "starting dockerd ($driver) on $DOCKER_SOCK and tcp://127.0.0.1:$DOCKER_TLS_PORT (TLS)"
    setsid dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver="$driver" \
      --host "unix://$DOCKER_SOCK" --host "tcp://127.0.0.1:$DOCKER_TLS_PORT" --tlsverify \
      --tlscacert "$DOCKER_TLS/ca.pem" --tlscert "$DOCKER_TLS/server-cert.pem" --tlskey "$DOCKER_TLS/server-key.pem" \
      --data-root "$STATE/docker/data" --exec-root "$DOCKER_RUN/exec" \
      --no-new-privileges \
      --pidfile "$RUN/dockerd.pid" >"$LOGS/dockerd.log" 2>&1 </dev/null &
    wait_for dockerd "$LOGS/dockerd.log" 60 docker_cli info
  fi
  if [[ $(docker_cli info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
    log "initialising the swarm"
    docker_cli swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >>"$LOGS/dockerd.log" 2>&1 \
      || fail_with_log "docker swarm init" "$LOGS/dockerd.log"
  fi
  import_busybox
}

# No registry is reachable: the workload image is a root file system of Debian's static busybox.
# The applets the tests' workloads use, deploy/registration/register.sh among them; a change re-imports.
BUSYBOX_TOOLS="sh sleep wget httpd echo cat printf hostname env nc ls mkdir rm seq true head awk sed kill"

import_busybox() {
  [[ $(docker_cli image inspect --format '{{index .Config.Labels "org.pretixops.tools"}}' "$BUSYBOX_IMAGE" 2>/dev/null) == "$BUSYBOX_TOOLS" ]] \
    && return 0
  log "importing $BUSYBOX_IMAGE"
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  local tool
  for tool in $BUSYBOX_TOOLS; do
    ln -s busybox "$root/bin/$tool"
  done
  tar -C "$root" -c . | docker_cli import --change 'CMD ["/bin/sh"]' --change "LABEL org.pretixops.tools=\"$BUSYBOX_TOOLS\"" \
    - "$BUSYBOX_IMAGE" >/dev/null
  rm -rf "$root"
}

stop_docker() {
  if pid_alive "$RUN/dockerd.pid"; then
    log "stopping dockerd"
    stop_pid "$RUN/dockerd.pid" dockerd
  fi
  # Its containerd and shims must not outlive it, nor its network namespaces stay mounted.
  release_docker_run "$DOCKER_RUN" || true
}

status_docker() { docker_cli info >/dev/null 2>&1; }

# --- snmpd -------------------------------------------------------------------------------------

start_snmpd() {
  ensure_dirs
  mkdir -p "$STATE/snmpd/persist"
  cat >"$STATE/snmpd/snmpd.conf" <<EOF
agentAddress udp:127.0.0.1:$SNMPD_PORT
rocommunity public 127.0.0.1
sysLocation pretixops-local
sysContact operators@localhost
EOF
  pid_alive "$RUN/snmpd.pid" && return 0
  log "starting snmpd on udp 127.0.0.1:$SNMPD_PORT"
  # -C: only our config file. MIBS/MIBDIRS empty: the agent needs no MIB files, and Debian ships few.
  SNMP_PERSISTENT_DIR=$STATE/snmpd/persist MIBS= MIBDIRS=/nonexistent \
    snmpd -C -c "$STATE/snmpd/snmpd.conf" -Lf "$LOGS/snmpd.log" -p "$RUN/snmpd.pid" \
    >>"$LOGS/snmpd.log" 2>&1 || fail_with_log snmpd "$LOGS/snmpd.log"
  wait_for snmpd "$LOGS/snmpd.log" 20 \
    env MIBS= snmpget -v2c -c public -t 1 -r 0 "127.0.0.1:$SNMPD_PORT" 1.3.6.1.2.1.1.3.0
}

stop_snmpd() { stop_pid "$RUN/snmpd.pid" snmpd; }
status_snmpd() { pid_alive "$RUN/snmpd.pid"; }

# --- Prometheus and Alertmanager ---------------------------------------------------------------

start_prometheus() {
  ensure_dirs
  # DiscoveryWriter's output folder: Prometheus watches it, and cannot watch what is not there yet.
  mkdir -p "$STATE/prometheus/data" "$STATE/prometheus/rules" "$STATE/sd"
  sed \
    -e "s/@PROMETHEUS_PORT@/$PROMETHEUS_PORT/g" -e "s/@ALERTMANAGER_PORT@/$ALERTMANAGER_PORT/g" -e "s|@STATE@|$STATE|g" \
    -e "s/@SNMPD_PORT@/$SNMPD_PORT/g" -e "s|@ROOT@|$ROOT|g" "$ROOT/deploy/local/prometheus.yml" >"$STATE/prometheus/prometheus.yml"
  if pid_alive "$RUN/prometheus.pid"; then
    # A running Prometheus takes a changed configuration without a restart.
    curl -fsS -X POST "http://127.0.0.1:$PROMETHEUS_PORT/-/reload" >/dev/null 2>&1 || true
    return 0
  fi
  log "starting Prometheus on 127.0.0.1:$PROMETHEUS_PORT"
  setsid prometheus --config.file="$STATE/prometheus/prometheus.yml" \
    --storage.tsdb.path="$STATE/prometheus/data" --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle >"$LOGS/prometheus.log" 2>&1 </dev/null &
  echo $! >"$RUN/prometheus.pid"
  wait_for Prometheus "$LOGS/prometheus.log" 60 curl -fsS "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
}

stop_prometheus() { stop_pid "$RUN/prometheus.pid" prometheus; }
status_prometheus() { curl -fsS "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" >/dev/null 2>&1; }

start_alertmanager() {
  ensure_dirs
  mkdir -p "$STATE/alertmanager/data"
  sed -e "s|@STATE@|$STATE|g" "$ROOT/deploy/local/alertmanager.yml" >"$STATE/alertmanager/alertmanager.yml"
  pid_alive "$RUN/alertmanager.pid" && return 0
  log "starting Alertmanager on 127.0.0.1:$ALERTMANAGER_PORT"
  # An empty cluster address turns off gossip: one local Alertmanager needs no peers.
  setsid prometheus-alertmanager --config.file="$STATE/alertmanager/alertmanager.yml" \
    --storage.path="$STATE/alertmanager/data" --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" \
    --cluster.listen-address= >"$LOGS/alertmanager.log" 2>&1 </dev/null &
  echo $! >"$RUN/alertmanager.pid"
  wait_for Alertmanager "$LOGS/alertmanager.log" 60 curl -fsS "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready"
}

stop_alertmanager() { stop_pid "$RUN/alertmanager.pid" alertmanager; }
status_alertmanager() { curl -fsS "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready" >/dev/null 2>&1; }

# --- commands ----------------------------------------------------------------------------------

env_file() {
  cat <<EOF
PRETIXOPS_STATE=$STATE
PRETIXOPS_RABBITMQ_HOST=127.0.0.1
PRETIXOPS_RABBITMQ_PORT=$RABBITMQ_PORT
PRETIXOPS_RABBITMQ_MGMT_PORT=$RABBITMQ_MGMT_PORT
PRETIXOPS_RABBITMQ_TLS_PORT=$RABBITMQ_TLS_PORT
PRETIXOPS_TLS_CA_FILE=$TLS/ca.pem
PRETIXOPS_TLS_CERT_FILE=$TLS/server-cert.pem
PRETIXOPS_TLS_KEY_FILE=$TLS/server-key.pem
PRETIXOPS_RABBITMQ_USER=$RABBITMQ_USER
PRETIXOPS_RABBITMQ_PASSWORD_FILE=$SECRETS/rabbitmq_password
PRETIXOPS_DOCKER_HOST=unix://$DOCKER_SOCK
PRETIXOPS_DOCKER_TLS_HOST=tcp://127.0.0.1:$DOCKER_TLS_PORT
PRETIXOPS_DOCKER_TLS_DIR=$DOCKER_TLS
PRETIXOPS_BUSYBOX_IMAGE=$BUSYBOX_IMAGE
PRETIXOPS_SNMPD_ENDPOINT=127.0.0.1:$SNMPD_PORT
PRETIXOPS_PROMETHEUS_URL=http://127.0.0.1:$PROMETHEUS_PORT
PRETIXOPS_ALERTMANAGER_URL=http://127.0.0.1:$ALERTMANAGER_PORT
PRETIXOPS_INFRA_SCRIPT=$ROOT/deploy/local/infra.sh
EOF
}

check_component() {
  local c
  for c in "${COMPONENTS[@]}"; do [[ $1 == "$c" ]] && return 0; done
  die "unknown component '$1' (one of: ${COMPONENTS[*]})"
}

cmd=${1:-}
shift || true
case $cmd in
  install) install ;;
  up)
    install
    ensure_dirs
    targets=("$@"); ((${#targets[@]})) || targets=("${COMPONENTS[@]}")
    for c in "${targets[@]}"; do check_component "$c"; "start_$c"; done
    env_file >"$STATE/infra.env"
    ;;
  down)
    targets=("$@"); ((${#targets[@]})) || targets=(alertmanager prometheus snmpd docker rabbitmq)
    for c in "${targets[@]}"; do check_component "$c"; "stop_$c"; done
    ;;
  start) check_component "${1:-}"; "start_$1" ;;
  stop) check_component "${1:-}"; "stop_$1" ;;
  status)
    printf '%-17s %-7s %-45s %s\n' COMPONENT STATE ENDPOINT LOG
    for c in "${COMPONENTS[@]}"; do
      if "status_$c"; then state=up; else state=down; fi
      case $c in
        rabbitmq) endpoint="amqp://127.0.0.1:$RABBITMQ_PORT  amqps://127.0.0.1:$RABBITMQ_TLS_PORT  http://127.0.0.1:$RABBITMQ_MGMT_PORT"; file=$LOGS/rabbitmq/ ;;
        docker) endpoint="unix://$DOCKER_SOCK"; file=$LOGS/dockerd.log ;;
        snmpd) endpoint="udp://127.0.0.1:$SNMPD_PORT"; file=$LOGS/snmpd.log ;;
        prometheus) endpoint="http://127.0.0.1:$PROMETHEUS_PORT"; file=$LOGS/prometheus.log ;;
        alertmanager) endpoint="http://127.0.0.1:$ALERTMANAGER_PORT"; file=$LOGS/alertmanager.log ;;
      esac
      printf '%-17s %-7s %-45s %s\n' "$c" "$state" "$endpoint" "$file"
    done
    ;;
  env) env_file ;;
  *) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
