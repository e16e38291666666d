#!/bin/sh
# The pretix_web stand-in of `make demo` and of the end-to-end test: a task of the imported busybox image
# that registers itself through deploy/registration/register.sh, as every workload of the stack does, and
# serves /metrics with two gauges whose values the demo raises and lowers by writing numbers to files
# bind-mounted from the host, shared by every task: demo_response_time_seconds (DEMO_VALUE_FILE, the alert's)
# and demo_requests_per_second (DEMO_LOAD_FILE, the shop's load, the metric target's).
#
# Tasks run on the host's network (this machine's swarm has no routable overlay VIPs), so each listens on
# a port of its own: DEMO_BASE_PORT + its slot.
#
#   DEMO_BASE_PORT   (default 18000)     DEMO_JOB    the job its exporter registers under (default pretix)
#   DEMO_VALUE_FILE  (default /demo/response_time_seconds)   DEMO_LOAD_FILE (default /demo/requests_per_second)
# and register.sh's own PRETIXOPS_* settings.
set -eu

slot=${PRETIXOPS_SLOT:?PRETIXOPS_SLOT is not set}
port=$((${DEMO_BASE_PORT:-18000} + slot))
value_file=${DEMO_VALUE_FILE:-/demo/response_time_seconds}
load_file=${DEMO_LOAD_FILE:-/demo/requests_per_second}
# The quotes are JSON's, meant literally (SC2089/SC2090).
# shellcheck disable=SC2089,SC2090
PRETIXOPS_EXPORTERS="[{\"job\":\"${DEMO_JOB:-pretix}\",\"port\":$port}]"
# shellcheck disable=SC2090
export PRETIXOPS_EXPORTERS DEMO_PORT="$port" DEMO_VALUE_FILE="$value_file" DEMO_LOAD_FILE="$load_file"

mkdir -p /tmp/www
# The inner script's variables are its own (SC2016).
# shellcheck disable=SC2016
exec /usr/local/bin/pretixops-register sh -c '
  # The page is rewritten every second, whole: a scrape reads the old value or the new one.
  while :; do
    value=$(cat "$DEMO_VALUE_FILE" 2>/dev/null) || value=
    [ -n "$value" ] || value=0.05
    load=$(cat "$DEMO_LOAD_FILE" 2>/dev/null) || load=
    [ -n "$load" ] || load=15
    printf "# HELP demo_response_time_seconds The response time the demo sets.\n# TYPE demo_response_time_seconds gauge\ndemo_response_time_seconds %s\n" \
      "$value" >/tmp/www/metrics.tmp
    printf "# HELP demo_requests_per_second The shop-wide load the demo sets.\n# TYPE demo_requests_per_second gauge\ndemo_requests_per_second %s\n" \
      "$load" >>/tmp/www/metrics.tmp
    mv /tmp/www/metrics.tmp /tmp/www/metrics
    sleep 1
  done &
  exec httpd -f -p "$DEMO_PORT" -h /tmp/www
'
