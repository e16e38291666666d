#!/bin/sh
# PretixOps: start script of the Redis tier (image redis:7.4-bookworm), one script for three roles,
# chosen by REDIS_ROLE:
#   master    service redis-master: the initial master
#   replica   service redisslave (K replicas): replica of whichever instance is master now
#   sentinel  services sentinel-1/2/3: Sentinel on :26379 monitoring master group "pretix"
# The password comes from the Docker secret redis_password and is never printed. It is handed to
# redis-server on standard input (`redis-server -` reads configuration from stdin), not as
# --requirepass on the command line, so it never shows in `ps`/`docker top` output.
#
# Optional settings (the defaults match docker-stack.yml; tests override them):
#   REDIS_PASSWORD_FILE (/run/secrets/redis_password), REDIS_MASTER_NAME (pretix),
#   REDIS_MASTER_HOST (redis-master), REDIS_MASTER_PORT (6379),
#   REDIS_SENTINELS ("sentinel-1:26379 sentinel-2:26379 sentinel-3:26379"), REDIS_SENTINEL_QUORUM (2),
#   REDIS_SENTINEL_CONF (/data/sentinel.conf), REDIS_ANNOUNCE_IP (default: first address of hostname -i),
#   REDIS_SENTINEL_ANNOUNCE (default unset: a Sentinel announces the local address of its connection to
#   the master; set e.g. sentinel-1 to announce that stable service name instead).
# Extra arguments to this script are passed on to redis-server.
set -eu

ROLE="${REDIS_ROLE:-}"
PASSWORD_FILE="${REDIS_PASSWORD_FILE:-/run/secrets/redis_password}"
MASTER_NAME="${REDIS_MASTER_NAME:-pretix}"
MASTER_HOST="${REDIS_MASTER_HOST:-redis-master}"
MASTER_PORT="${REDIS_MASTER_PORT:-6379}"
SENTINELS="${REDIS_SENTINELS:-sentinel-1:26379 sentinel-2:26379 sentinel-3:26379}"
SENTINEL_QUORUM="${REDIS_SENTINEL_QUORUM:-2}"
SENTINEL_CONF="${REDIS_SENTINEL_CONF:-/data/sentinel.conf}"

log() { printf 'redis-start[%s]: %s\n' "$ROLE" "$*" >&2; }
die() { log "$*"; exit 1; }

case "$ROLE" in
    master|replica|sentinel) ;;
    *) die "REDIS_ROLE must be master, replica or sentinel (got '${ROLE}')" ;;
esac

[ -r "$PASSWORD_FILE" ] || die "cannot read the password file $PASSWORD_FILE"
# $(cat) drops the trailing newline that `docker secret create` input often has.
P=$(cat "$PASSWORD_FILE")
[ -n "$P" ] || die "the password file $PASSWORD_FILE is empty"
# The password ends up unquoted in a Redis config line (and in HAProxy's inline AUTH health check),
# where blanks, quotes and backslashes would split or change it; refuse them instead of failing later.
case "$P" in
    *[[:space:]\"\'\\]*) die "the password in $PASSWORD_FILE contains blanks, quotes or backslashes; use e.g. openssl rand -hex 32" ;;
esac

# redis-cli reads the password from REDISCLI_AUTH, which keeps it off redis-cli's command line.
# It is removed again before redis-server starts.
REDISCLI_AUTH="$P"
export REDISCLI_AUTH

# Runs a short network command with a time limit where coreutils' `timeout` exists (it does in the
# bookworm image), so an unreachable peer cannot hang the start.
with_timeout() {
    if command -v timeout >/dev/null 2>&1; then
        timeout 3 "$@"
    else
        "$@"
    fi
}

# The address other Redis instances and the Sentinels should use for this container. Swarm's VIP
# load balancing rewrites source addresses, so without announcing it the master would report its
# replicas at the wrong addresses. `hostname -i` lists this container's addresses; the first
# non-loopback IPv4 one is taken (set REDIS_ANNOUNCE_IP to choose one explicitly).
own_ip() {
    if [ -n "${REDIS_ANNOUNCE_IP:-}" ]; then
        printf '%s\n' "$REDIS_ANNOUNCE_IP"
        return 0
    fi
    for ip in $(hostname -i 2>/dev/null || true); do
        case "$ip" in
            127.*|*:*) continue ;;
        esac
        printf '%s\n' "$ip"
        return 0
    done
    return 1
}

# Asks the Sentinels, one after the other, for the current master of $MASTER_NAME; prints "HOST PORT".
ask_sentinels() {
    for s in $SENTINELS; do
        s_host=${s%:*}
        s_port=${s##*:}
        answer=$(with_timeout redis-cli --no-auth-warning -h "$s_host" -p "$s_port" \
            SENTINEL get-master-addr-by-name "$MASTER_NAME" 2>/dev/null) || continue
        m_host=$(printf '%s\n' "$answer" | sed -n 1p)
        m_port=$(printf '%s\n' "$answer" | sed -n 2p)
        [ -n "$m_host" ] || continue
        case "$m_port" in
            ''|*[!0-9]*) continue ;;
        esac
        printf '%s %s\n' "$m_host" "$m_port"
        return 0
    done
    return 1
}

# True when HOST PORT answers and reports role:master.
is_master() {
    info=$(with_timeout redis-cli --no-auth-warning -h "$1" -p "$2" INFO replication 2>/dev/null) || return 1
    case "$info" in
        *role:master*) return 0 ;;
    esac
    return 1
}

# Replaces this shell with redis-server. The image's docker-entrypoint.sh, when there is one, fixes the
# ownership of /data and drops from root to the `redis` user before it runs redis-server.
exec_redis() {
    unset REDISCLI_AUTH
    if command -v docker-entrypoint.sh >/dev/null 2>&1; then
        exec docker-entrypoint.sh redis-server "$@"
    fi
    exec redis-server "$@"
}

# Master and replica: the secrets go in on stdin (see the header), everything else as arguments.
# Both carry requirepass and masterauth, because any of them may be promoted or demoted by Sentinel.
exec_data_node() {
    exec_redis - --appendonly yes --protected-mode no --replica-announce-ip "$ANNOUNCE_IP" "$@" <<EOF
requirepass $P
masterauth $P
EOF
}

cd /data 2>/dev/null || true

case "$ROLE" in
master)
    ANNOUNCE_IP=$(own_ip) || die "cannot determine this container's IP address (set REDIS_ANNOUNCE_IP)"
    # Normally this is the master. But if Sentinel promoted another instance while this task was away
    # (crash, reschedule), starting as a second master would split the writes: then follow the master
    # the Sentinels report, provided it really answers as master. With no Sentinel answer, no live
    # other master, or the Sentinels still pointing at this service, start as master.
    if current=$(ask_sentinels); then
        c_host=${current% *}
        c_port=${current#* }
        if [ "$c_host" != "$MASTER_HOST" ] && [ "$c_host" != "$ANNOUNCE_IP" ] && is_master "$c_host" "$c_port"; then
            log "Sentinels report master at $c_host:$c_port; starting as its replica"
            exec_data_node --replicaof "$c_host" "$c_port" "$@"
        fi
    fi
    log "starting as master, announcing $ANNOUNCE_IP"
    exec_data_node "$@"
    ;;

replica)
    ANNOUNCE_IP=$(own_ip) || die "cannot determine this container's IP address (set REDIS_ANNOUNCE_IP)"
    # The current master after any failover is what the Sentinels report; if none answers (first
    # start, Sentinels not up yet) or their master is not reachable, start from the initial master.
    # Sentinel will re-point this replica anyway once it sees it.
    r_host=$MASTER_HOST
    r_port=$MASTER_PORT
    if current=$(ask_sentinels); then
        c_host=${current% *}
        c_port=${current#* }
        if is_master "$c_host" "$c_port"; then
            r_host=$c_host
            r_port=$c_port
        fi
    fi
    log "starting as replica of $r_host:$r_port, announcing $ANNOUNCE_IP"
    exec_data_node --replicaof "$r_host" "$r_port" "$@"
    ;;

sentinel)
    # With resolve-hostnames, Sentinel refuses a config whose master name does not resolve. Right after
    # `docker stack deploy` redis-master may not be in Swarm's DNS yet: wait for it (at most 60 s), then
    # start anyway and let Swarm restart the task if it still fails. (An IPv4 address needs no wait.)
    case "$MASTER_HOST" in
        *[!0-9.]*)
            i=0
            while [ "$i" -lt 30 ] && ! getent hosts "$MASTER_HOST" >/dev/null 2>&1; do
                i=$((i + 1))
                sleep 2
            done
            ;;
    esac
    # Written fresh on every start: Sentinel rewrites this file while it runs (so it must be writable,
    # which a read-only Docker config is not), and a new task re-learns any failover from the other
    # Sentinels' hello messages. It holds the password, so only the owner may read it.
    umask 077
    mkdir -p "$(dirname "$SENTINEL_CONF")"
    cat > "$SENTINEL_CONF" <<EOF
port 26379
protected-mode no
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel monitor $MASTER_NAME $MASTER_HOST $MASTER_PORT $SENTINEL_QUORUM
sentinel auth-pass $MASTER_NAME $P
sentinel down-after-milliseconds $MASTER_NAME 5000
sentinel failover-timeout $MASTER_NAME 60000
sentinel parallel-syncs $MASTER_NAME 1
requirepass $P
EOF
    if [ -n "${REDIS_SENTINEL_ANNOUNCE:-}" ]; then
        printf 'sentinel announce-ip %s\n' "$REDIS_SENTINEL_ANNOUNCE" >> "$SENTINEL_CONF"
    fi
    log "starting Sentinel for $MASTER_NAME at $MASTER_HOST:$MASTER_PORT (quorum $SENTINEL_QUORUM)"
    exec_redis "$SENTINEL_CONF" --sentinel "$@"
    ;;
esac
