#!/bin/sh
# PretixOps: start script of the `postgres-exporter` service (image
# prometheuscommunity/postgres-exporter:v0.15.0, busybox sh, runs as `nobody`).
#
# The exporter is used multi-target: Prometheus asks /probe?target=pg-N:5432/postgres&auth_module=pretix,
# and the credentials come from the auth module `pretix` in the exporter's config file. That file holds
# the password, so it cannot be a Docker config: it is written here, at start, from the Docker secret
# postgres_password, readable by this user only. The password is never printed.
#
# Optional: PG_EXPORTER_USER (default postgres), POSTGRES_PASSWORD_FILE (default
# /run/secrets/postgres_password), PG_EXPORTER_CONFIG (default /tmp/postgres_exporter.yml).
# Extra arguments are passed on to postgres_exporter.
set -eu

PG_USER="${PG_EXPORTER_USER:-postgres}"
PASSWORD_FILE="${POSTGRES_PASSWORD_FILE:-/run/secrets/postgres_password}"
CONFIG="${PG_EXPORTER_CONFIG:-/tmp/postgres_exporter.yml}"

die() { printf 'postgres-exporter-start: %s\n' "$*" >&2; exit 1; }

[ -r "$PASSWORD_FILE" ] || die "cannot read the password file $PASSWORD_FILE"
# $(cat) drops a trailing newline left in the secret.
PG_PASSWORD=$(cat "$PASSWORD_FILE")
[ -n "$PG_PASSWORD" ] || die "the password file $PASSWORD_FILE is empty"

# Values go into YAML single-quoted scalars, where the only special character is the quote itself,
# written twice. A line break cannot be carried that way: refuse it rather than write a wrong password.
yaml_quote() {
    case "$1" in
        *'
'*) die "a value for $CONFIG contains a line break" ;;
    esac
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}
Q_USER=$(yaml_quote "$PG_USER")
Q_PASSWORD=$(yaml_quote "$PG_PASSWORD")

# Only this user may read the file; it is rewritten on every start, so a changed secret takes effect
# with the next task.
umask 077
cat > "$CONFIG" <<EOF
# Written by postgres-exporter-start.sh at container start; do not edit.
auth_modules:
  pretix:
    type: userpass
    userpass:
      username: $Q_USER
      password: $Q_PASSWORD
    options:
      sslmode: disable
EOF

exec /bin/postgres_exporter --config.file="$CONFIG" --web.listen-address=:9187 "$@"
