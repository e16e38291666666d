#!/bin/sh
# PretixOps: start script of the `redis-exporter` service (image oliver006/redis_exporter:v1.62.0-alpine,
# busybox sh, runs as uid 59000). The exporter is used multi-target only: Prometheus asks
# /scrape?target=redis://<instance>:<port> for redis-master, every redisslave task and the Sentinels,
# which all share one password. redis_exporter reads that password from REDIS_PASSWORD and uses it for
# every /scrape target; it comes from the Docker secret redis_password and is never printed.
#
# Optional: REDIS_PASSWORD_FILE (default /run/secrets/redis_password); REDIS_ADDR (default empty: no
# built-in target, so /metrics reports only the exporter itself instead of failing on localhost:6379
# at every scrape). Extra arguments are passed on to redis_exporter.
set -eu

PASSWORD_FILE="${REDIS_PASSWORD_FILE:-/run/secrets/redis_password}"

die() { printf 'redis-exporter-start: %s\n' "$*" >&2; exit 1; }

[ -r "$PASSWORD_FILE" ] || die "cannot read the password file $PASSWORD_FILE"
# $(cat) drops a trailing newline left in the secret.
REDIS_PASSWORD=$(cat "$PASSWORD_FILE")
[ -n "$REDIS_PASSWORD" ] || die "the password file $PASSWORD_FILE is empty"
export REDIS_PASSWORD

# The binary sits at /redis_exporter in the image (its Dockerfile: COPY ... /redis_exporter,
# ENTRYPOINT ["/redis_exporter"]); exec keeps it as the container's main process.
exec /redis_exporter --redis.addr="${REDIS_ADDR:-}" --web.listen-address=:9121 "$@"
