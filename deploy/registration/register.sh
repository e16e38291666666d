#!/bin/sh
# The http_* clients are called by name, which shellcheck cannot follow.
# shellcheck disable=SC2317
# pretixops-register: the entrypoint wrapper that makes a container announce itself to PretixOps.
#
#   entrypoint: ["/usr/local/bin/pretixops-register", <the image's own entrypoint and command...>]
#
# It starts the wrapped command, registers the container with Registration (POST /v1/instances) and renews
# the registration as a heartbeat while the command runs; when the command ends (or the container is
# stopped: SIGTERM is passed on), it deregisters and exits with the command's status. A registration that
# fails is retried; the wrapped command never waits for it and never fails because of it.
#
# Settings, from the environment (docker-stack.yml fills the first three from swarm templates):
#   PRETIXOPS_SERVICE    the swarm service, e.g. pretix_web ({{.Service.Name}})         (required)
#   PRETIXOPS_SLOT       the task slot ({{.Task.Slot}}); or PRETIXOPS_TASK_ID for global services
#   PRETIXOPS_NODE       the node's host name ({{.Node.Hostname}}): SnmpPoller polls it
#   PRETIXOPS_EXPORTERS  JSON array of exporters, e.g. [{"job":"pretix","port":80,"path":"/metrics"}]  (default [])
#   PRETIXOPS_LABELS     JSON object of extra target labels                                (default {})
#   PRETIXOPS_ADDRESS    the exporters' address (default: the address Registration sees the call from)
#   PRETIXOPS_TTL        seconds until the registration expires unless renewed          (default 90)
#   PRETIXOPS_REGISTRATION_URL                                        (default http://registration:5101)
#   PRETIXOPS_TOKEN_FILE the bearer token, a Docker secret                   (default /run/secrets/api_token)
#
# Images differ in what they carry, so the HTTP client is the first that works of curl, wget, python3,
# bash's /dev/tcp and nc. Only POSIX sh is assumed.
set -u

url=${PRETIXOPS_REGISTRATION_URL:-http://registration:5101}
ttl=${PRETIXOPS_TTL:-90}
# A bad TTL must not keep the container from starting: the default instead, and a word about it.
case $ttl in ''|*[!0-9]*) printf 'pretixops-register: PRETIXOPS_TTL=%s is not a number of seconds: 90\n' "$ttl" >&2; ttl=90 ;; esac
# Three heartbeats per TTL: one lost renewal never expires a live container.
interval=$((ttl / 3))
[ "$interval" -ge 5 ] || interval=5
token_file=${PRETIXOPS_TOKEN_FILE:-/run/secrets/api_token}
hostport=${url#http://}; hostport=${hostport%%/*}
host=${hostport%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=80

say() { printf 'pretixops-register: %s\n' "$*" >&2; }

if [ $# -eq 0 ]; then
  say "usage: pretixops-register COMMAND [ARG...]"
  exit 64
fi

# JSON string content: backslashes and double quotes escaped (names and host names have neither, but a
# label value could).
json_escape() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

body() {
  printf '{"service":"%s"' "$(json_escape "${PRETIXOPS_SERVICE}")"
  if [ -n "${PRETIXOPS_SLOT:-}" ]; then printf ',"slot":%s' "$PRETIXOPS_SLOT"
  else printf ',"taskId":"%s"' "$(json_escape "${PRETIXOPS_TASK_ID:-}")"; fi
  [ -n "${PRETIXOPS_NODE:-}" ] && printf ',"node":"%s"' "$(json_escape "$PRETIXOPS_NODE")"
  [ -n "${PRETIXOPS_ADDRESS:-}" ] && printf ',"address":"%s"' "$(json_escape "$PRETIXOPS_ADDRESS")"
  exporters=${PRETIXOPS_EXPORTERS:-}; [ -n "$exporters" ] || exporters='[]'
  labels=${PRETIXOPS_LABELS:-}; [ -n "$labels" ] || labels='{}'
  printf ',"exporters":%s,"labels":%s,"ttlSeconds":%s}' "$exporters" "$labels" "$ttl"
}

instance_id() {
  if [ -n "${PRETIXOPS_SLOT:-}" ]; then printf '%s.%s' "$PRETIXOPS_SERVICE" "$PRETIXOPS_SLOT"
  else printf '%s' "${PRETIXOPS_TASK_ID:-}"; fi
}

# http METHOD PATH [BODY]: prints the status code (000 when the request got no answer); non-zero exit when
# no HTTP client here could make a request at all. A client that crashes (a signal, exit 126 or more; static
# busybox's wget does where it lacks its libraries) hands over to the next one.
http() {
  method=$1 path=$2 data=${3:-}
  token=$(head -n 1 "$token_file" 2>/dev/null) || token=
  for client in curl wget python3 bash nc; do
    command -v "$client" >/dev/null 2>&1 || continue
    [ "$client" = wget ] && [ "$method" != POST ] && continue
    code=$("http_$client")
    rc=$?
    if [ "$rc" -lt 126 ]; then printf '%s\n' "${code:-000}"; return 0; fi
  done
  say "no working HTTP client in this image (curl, wget, python3, bash or nc)"
  return 1
}

http_curl() {
  curl -s -o /dev/null -w '%{http_code}' -m 10 -X "$method" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' ${data:+--data "$data"} "$url$path"
  rc=$?
  [ "$rc" -ge 126 ] && return "$rc"
  return 0
}

# wget prints no status: success (2xx) or failure is all it says.
http_wget() {
  wget -q -O /dev/null -T 10 --header "Authorization: Bearer $token" --header 'Content-Type: application/json' \
    --post-data "$data" "$url$path" 2>/dev/null
  rc=$?
  if [ "$rc" -eq 0 ]; then echo 202; elif [ "$rc" -lt 126 ]; then echo 000; else return "$rc"; fi
}

http_python3() {
  python3 - "$method" "$url$path" "$token" "$data" <<'PYTHON'
import sys, urllib.request, urllib.error
method, target, token, data = sys.argv[1:5]
request = urllib.request.Request(target, data=data.encode() if data else None, method=method,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        print(response.status)
except urllib.error.HTTPError as error:
    print(error.code)
except Exception:
    print("000")
PYTHON
}

# A raw HTTP/1.0 request over bash's /dev/tcp or busybox nc.
raw_request() {
  printf '%s %s HTTP/1.0\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s' \
    "$method" "$path" "$hostport" "$token" "${#data}" "$data"
}

status_of_response() { head -n 1 | awk '{print $2} END {if (NR == 0) print "000"}'; }

# /dev/tcp has no timeout of its own: a peer that stops answering would hold the heartbeat forever.
http_bash() {
  limit=; command -v timeout >/dev/null 2>&1 && limit="timeout 10"
  # shellcheck disable=SC2086,SC2016
  raw_request | $limit bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1; cat >&3; cat <&3' _ "$host" "$port" 2>/dev/null | status_of_response
}

# busybox nc stops reading the answer when its input ends: the input stays open a moment longer.
http_nc() {
  { raw_request; sleep 2; } | nc -w 10 "$host" "$port" 2>/dev/null | status_of_response
}

register() {
  status=$(http POST /v1/instances "$(body)") || return 1
  case $status in
    2*) return 0 ;;
    # Refused for good (bad settings, wrong token): say why once per attempt; retrying will not help, but a
    # fixed secret or a Registration that comes back will, so the loop goes on.
    4*) say "Registration refused $(instance_id) with HTTP $status: check PRETIXOPS_* and the token" ;;
    *) say "Registration did not accept $(instance_id) (HTTP $status); retrying" ;;
  esac
  return 1
}

# Runs in a subshell of its own. Told to stop, it finishes the request in flight first (the shell runs a trap
# only between commands), so no renewal can land after the deregistration; sleeps are waited for, so that
# a stop does not wait for them.
heartbeat() {
  trap 'exit 0' TERM
  backoff=2
  until register; do sleep "$backoff" & wait $!; [ "$backoff" -lt 30 ] && backoff=$((backoff * 2)); done
  say "registered $(instance_id)"
  while :; do
    sleep "$interval" & wait $!
    register || { sleep 2 & wait $!; register; } || true
  done
}

deregister() {
  [ -n "${deregistered:-}" ] && return 0
  deregistered=1
  kill "$beat" 2>/dev/null
  wait "$beat" 2>/dev/null
  code=$(http DELETE "/v1/instances/$(instance_id)") || code=000
  case $code in 2*) say "deregistered $(instance_id)" ;; *) say "deregistration of $(instance_id) answered HTTP $code" ;; esac
}

# Passes a signal on to the command; a stop also takes the instance out of discovery at once, while the
# command drains, rather than after it (a slow stop could otherwise end in SIGKILL before deregistering).
forward() {
  [ -n "${child:-}" ] && kill "-$1" "$child" 2>/dev/null
  case $1 in TERM|INT|QUIT|USR1) stopping=1 ;; esac
}

if [ -z "${PRETIXOPS_SERVICE:-}" ] || { [ -z "${PRETIXOPS_SLOT:-}" ] && [ -z "${PRETIXOPS_TASK_ID:-}" ]; }; then
  say "PRETIXOPS_SERVICE and PRETIXOPS_SLOT (or PRETIXOPS_TASK_ID) are not set: running without registering"
  exec "$@"
fi

# Every signal a stop can send is passed on: images choose their own (haproxy's is SIGUSR1), and PID 1 ignores
# what it has no handler for. The handlers are in place before the command starts.
for signal in TERM INT HUP QUIT USR1 USR2 WINCH; do
  # shellcheck disable=SC2064
  trap "forward $signal" "$signal"
done
"$@" &
child=$!
heartbeat &
beat=$!

# A trapped signal interrupts wait with 128+n; the command's own status comes once it has really ended.
wait "$child"
status=$?
while kill -0 "$child" 2>/dev/null; do
  [ -n "${stopping:-}" ] && deregister
  wait "$child"
  status=$?
done

# Scaled down or stopped: gone from Prometheus now, not when the TTL runs out.
deregister
exit "$status"
