#!/bin/sh
# Renders the broker's users and permissions (definitions.json) for RabbitMQ to load at boot:
#
#   definitions.sh TEMPLATE SECRETS_DIR OUTPUT
#
# Each user's "password_hash" in the template is a placeholder, @<secret>@, naming the Docker secret that holds
# the user's password. It becomes a rabbit_password_hashing_sha256 hash (base64 of a random 4-byte salt followed by
# SHA-256(salt + password)), so no password is ever written anywhere, and each node hashes with salts of its own.
# A secret's trailing newlines are not part of the password, as the services read their password files.
set -eu
template=$1 secrets=$2 output=$3
umask 077
# Beside the output (a tmpfs in the stack, whose root file system is read-only), never in a shared /tmp.
work=$(mktemp -d "$(dirname "$output")/.definitions.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$template" "$work/definitions.json"
for name in $(grep -o '"@[A-Za-z0-9_]*@"' "$template" | tr -d '"@' | sort -u); do
  [ -s "$secrets/$name" ] || { echo "definitions.sh: no secret $secrets/$name" >&2; exit 1; }
  head -c 4 /dev/urandom >"$work/salt"
  printf '%s' "$(cat "$secrets/$name")" >"$work/password"
  cat "$work/salt" "$work/password" | openssl dgst -sha256 -binary >"$work/digest"
  hash=$(cat "$work/salt" "$work/digest" | base64 | tr -d '\n')
  sed "s|\"@$name@\"|\"$hash\"|" "$work/definitions.json" >"$work/next" && mv "$work/next" "$work/definitions.json"
done
mv "$work/definitions.json" "$output"
