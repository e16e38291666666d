#!/bin/sh
# issue-credential.sh: makes a new credential's token and prints its entry for a credentials file
# (Auth:CredentialsFile). The token goes into a Docker secret (or a file of mode 600), never to the terminal;
# the entry holds only the token's SHA-256, so the service that checks it never holds the token.
#
#   issue-credential.sh [--secret SECRET | --file FILE] NAME ROLES [SERVICE...]
#
#   NAME     who this is, as records and logs name it (e.g. pretix_web)
#   ROLES    comma-separated: register, alerts, operate, read, register-any-address
#   SERVICE  for register: the services it may register (the stack's full names, e.g. pretix_web)
#
# Example, the web service of a stack deployed as "pretix":
#   issue-credential.sh --secret registration_token_web pretix_web register pretix_web >>entries.jsonl
# Rotation: issue a second token under the same NAME, ROLES and SERVICES into a new secret; put both entries in
# the credentials file; switch the workload to the new secret; then drop the old entry (README, "Credentials").
set -eu

usage() { printf 'usage: %s [--secret SECRET | --file FILE] NAME ROLES [SERVICE...]\n' "$0" >&2; exit 64; }

secret='' file=''
case ${1:-} in
  --secret) [ $# -ge 2 ] || usage; secret=$2; shift 2 ;;
  --file) [ $# -ge 2 ] || usage; file=$2; shift 2 ;;
esac
[ $# -ge 2 ] || usage
name=$1 roles=$2
shift 2
[ -n "$secret" ] || [ -n "$file" ] || file="$name.token"

token=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
if [ -n "$secret" ]; then
  printf '%s' "$token" | docker secret create "$secret" - >/dev/null
  printf 'issue-credential: the token of %s is in the Docker secret %s\n' "$name" "$secret" >&2
else
  (umask 077; printf '%s\n' "$token" >"$file")
  printf 'issue-credential: the token of %s is in %s\n' "$name" "$file" >&2
fi

# A JSON array's inside from the arguments (names and roles hold no quote or backslash: the name rule).
quoted() { first=1; for item in "$@"; do [ $first = 1 ] || printf ','; first=0; printf '"%s"' "$item"; done; }
services=$(quoted "$@")
old_ifs=$IFS; IFS=,
# shellcheck disable=SC2086 # split on the commas, on purpose
set -- $roles
IFS=$old_ifs
printf '{"name":"%s","sha256":"%s","roles":[%s],"services":[%s]}\n' "$name" "$hash" "$(quoted "$@")" "$services"
