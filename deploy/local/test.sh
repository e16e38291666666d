#!/usr/bin/env bash
# The whole suite, unit and integration, against the servers infra.sh started. Prints one closing line,
# "N passed, N failed, N skipped", and exits non-zero on any failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${PRETIXOPS_STATE:-$ROOT/.local}
mkdir -p "$STATE/logs"
out=$STATE/logs/test.log

# shellcheck disable=SC1091
[[ -f $STATE/infra.env ]] && { set -a; source "$STATE/infra.env"; set +a; }

# The tests start their own services on the shared broker; those of `make up` (and its demo workload) would
# take messages off the same queues. They are stopped first; `make up` starts them again.
if [[ -f $STATE/infra.env ]]; then
  "$ROOT/deploy/local/demo.sh" down
  "$ROOT/deploy/local/services.sh" down
  # Their own queues would fill with the tests' events (registrations that never expire) and hand them to
  # `make up`'s services when they start again: removed, as a new replica's. (scaler-record-local and
  # scaler-faults are an earlier Scaler's: its journal replaced them.)
  for queue in discovery-writer-local snmp-poller-local scaler-record-local scaler-faults; do
    curl -fsS -o /dev/null -X DELETE -u "$PRETIXOPS_RABBITMQ_USER:$(cat "$PRETIXOPS_RABBITMQ_PASSWORD_FILE")" \
      "http://$PRETIXOPS_RABBITMQ_HOST:$PRETIXOPS_RABBITMQ_MGMT_PORT/api/queues/%2F/$queue" 2>/dev/null || true
  done
fi

dotnet test "$ROOT/Microservices.sln" --nologo "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, ...".
summary=$(awk '
  /(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+/ {
    gsub(",", ""); for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i + 1); if ($i == "Passed:") p += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
    }
    n++
  }
  END { printf "%d %d %d %d", p, f, s, n }' "$out")
read -r passed failed skipped assemblies <<<"$summary"
# A test host that crashed prints no summary of its own: count it as a failure in the closing line too.
aborted=$(grep -c 'Test Run Aborted' "$out" || true)
failed=$((failed + aborted))
if ((status == 0 && assemblies == 0)); then
  echo "no test assembly reported a result" >&2
  status=1
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
