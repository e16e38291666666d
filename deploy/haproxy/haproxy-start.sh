#!/bin/sh
# PretixOps: start script of the `haproxy` service (image haproxy:2.9, runs as the non-root `haproxy`
# user). haproxy.cfg authenticates its Redis health checks with "${REDIS_PASSWORD}", which HAProxy
# expands from its environment; the password itself lives only in the Docker secret redis_password,
# because the config file is a (non-secret) Docker config. This script exports it and replaces itself
# with HAProxy. In the stack the registration wrapper is PID 1 and passes Docker's stop signal (the image's
# SIGUSR1, a soft stop) on to HAProxy.
# The password is never printed.
#
# Optional: REDIS_PASSWORD_FILE (default /run/secrets/redis_password), HAPROXY_CFG (default
# /usr/local/etc/haproxy/haproxy.cfg). Extra arguments are passed on to haproxy.
set -eu

PASSWORD_FILE="${REDIS_PASSWORD_FILE:-/run/secrets/redis_password}"
CFG="${HAPROXY_CFG:-/usr/local/etc/haproxy/haproxy.cfg}"

die() { printf 'haproxy-start: %s\n' "$*" >&2; exit 1; }

[ -r "$PASSWORD_FILE" ] || die "cannot read the password file $PASSWORD_FILE"
# $(cat) drops a trailing newline left in the secret.
REDIS_PASSWORD=$(cat "$PASSWORD_FILE")
[ -n "$REDIS_PASSWORD" ] || die "the password file $PASSWORD_FILE is empty"
# It is sent as an inline command (AUTH <password>\r\n): blanks, quotes or backslashes would split or
# change it, and every check would fail with a wrong password. Refuse them with a clear message.
case "$REDIS_PASSWORD" in
    *[[:space:]\"\'\\]*) die "the password in $PASSWORD_FILE contains blanks, quotes or backslashes; use e.g. openssl rand -hex 32" ;;
esac
export REDIS_PASSWORD

# -W: master-worker mode (the master survives reloads and forwards signals); -db: stay in the
# foreground and log to stdout/stderr, as a container's main process should.
exec haproxy -W -db -f "$CFG" "$@"
