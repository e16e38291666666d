#!/usr/bin/env bash
# The images of the stack that can be made on a machine without a container registry, for the local
# swarm (`make images`, `make test`):
#
#   images.sh build     the runtime base, RabbitMQ, HAProxy, and the five PretixOps service images
#   images.sh list      what is built, with the cache key of each
#
# Nothing can be pulled here, so the base images are root file systems made with debootstrap from Debian's
# packages and imported (`docker import`): pretixops/dotnet-aspnet (Debian minbase plus this machine's
# ASP.NET Core runtime, standing in for mcr.microsoft.com/dotnet/aspnet) and pretixops/rabbitmq (Debian's
# rabbitmq-server, standing in for the official rabbitmq image) and pretixops/haproxy (Debian's haproxy, for
# docker-proxy, standing in for the official haproxy image). The services are published on the host
# and built with deploy/docker/service.Dockerfile (PUBLISH=context).
#
# Building is slow and the dockerd of a fresh clone starts empty, so every image is also kept as a
# `docker save` archive in $PRETIXOPS_IMAGE_CACHE (default /var/cache/pretixops/images, outside any clone),
# named after a hash of everything that goes into it. A clone whose inputs hash the same loads the archive
# instead of building.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${PRETIXOPS_STATE:-$ROOT/.local}
CACHE=${PRETIXOPS_IMAGE_CACHE:-/var/cache/pretixops/images}
LOGS=$STATE/logs
SUITE=bookworm
MIRROR=${PRETIXOPS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
TAG=${PRETIXOPS_TAG:-latest}
REGISTRY=${PRETIXOPS_REGISTRY:-pretixops}
# image name:project:port, as docker-stack.yml names them.
SERVICES=(registration:Registration:5101 discovery-writer:DiscoveryWriter:5102 snmp-poller:SnmpPoller:5103
  alert-ingest:AlertIngest:5104 scaler:Scaler:5105)
RUNTIME_IMAGE=pretixops/dotnet-aspnet:10.0-local
RABBITMQ_IMAGE=pretixops/rabbitmq:local
HAPROXY_IMAGE=pretixops/haproxy:local

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

[[ -f $STATE/infra.env ]] || die "no $STATE/infra.env: start dockerd first (make infra)"
# shellcheck disable=SC1091
source "$STATE/infra.env"
export DOCKER_HOST=$PRETIXOPS_DOCKER_HOST
# Debian's own client (20.10) builds with the daemon's BuildKit; a newer client elsewhere on PATH would
# need the buildx plugin for that.
DOCKER=$(command -v /usr/bin/docker || command -v docker)
mkdir -p "$CACHE" "$LOGS"

# A key covers its inputs and this script itself (how an image is made is an input too).
hash_of() { { cat; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16; }

# Loads NAME from the archive KEY if it is not in dockerd already; returns 1 when neither has it.
have_image() { # NAME KEY
  local name=$1 key=$2
  [[ $("$DOCKER" image inspect --format '{{index .Config.Labels "org.pretixops.key"}}' "$name" 2>/dev/null) == "$key" ]] && return 0
  [[ -s $CACHE/$key.tar ]] || return 1
  log "loading $name from $CACHE/$key.tar"
  "$DOCKER" load -i "$CACHE/$key.tar" >/dev/null
}

# Keeps one archive per kind (runtime-, rabbitmq-, haproxy-, services-): older inputs are not coming back.
save_image() { # KEY NAME...
  local key=$1 old; shift
  "$DOCKER" save "$@" >"$CACHE/$key.tar.tmp" && mv "$CACHE/$key.tar.tmp" "$CACHE/$key.tar"
  for old in "$CACHE/${key%%-*}"-*.tar; do [[ $old == "$CACHE/$key.tar" ]] || rm -f "$old"; done
}

# A Debian minbase root file system with PACKAGES, slimmed, imported as NAME with the key as a label.
import_rootfs() { # NAME KEY PREPARE_FUNCTION PACKAGES
  local name=$1 key=$2 prepare=$3 packages=$4 root
  root=$(mktemp -d "${TMPDIR:-/tmp}/pretixops-rootfs.XXXXXX")
  log "debootstrap $SUITE into $root (${packages})"
  debootstrap --variant=minbase --include="$packages" "$SUITE" "$root" "$MIRROR" >"$LOGS/debootstrap-$key.log" 2>&1 \
    || { tail -n 30 "$LOGS/debootstrap-$key.log" >&2; rm -rf "$root"; die "debootstrap failed"; }
  "$prepare" "$root"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log
  tar -C "$root" -c . | "$DOCKER" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL org.pretixops.key=$key" "${@:5}" - "$name" >/dev/null
  rm -rf "$root"
  save_image "$key" "$name"
}

# --- the .NET runtime base ---------------------------------------------------------------------

# The framework-dependent services need only the shared runtimes, never the SDK.
runtime_versions() {
  ls -d /usr/share/dotnet/shared/Microsoft.NETCore.App/10.* /usr/share/dotnet/shared/Microsoft.AspNetCore.App/10.* 2>/dev/null \
    || die "no .NET 10 runtime under /usr/share/dotnet/shared"
}

prepare_runtime() {
  local root=$1 dir
  mkdir -p "$root/usr/share/dotnet/shared/Microsoft.NETCore.App" "$root/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
  cp -a /usr/share/dotnet/dotnet /usr/share/dotnet/host "$root/usr/share/dotnet/"
  for dir in $(runtime_versions); do cp -a "$dir" "$root/$(dirname "$dir")/"; done
  ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
  # The user Microsoft's images run as.
  echo 'app:x:1654:1654::/home/app:/usr/sbin/nologin' >>"$root/etc/passwd"
  echo 'app:x:1654:' >>"$root/etc/group"
  mkdir -p "$root/home/app" && chown 1654:1654 "$root/home/app"
}

build_runtime() {
  local key
  key=runtime-$( (echo "$SUITE"; declare -f prepare_runtime import_rootfs; runtime_versions) | hash_of)
  have_image "$RUNTIME_IMAGE" "$key" && return 0
  log "building $RUNTIME_IMAGE"
  import_rootfs "$RUNTIME_IMAGE" "$key" prepare_runtime libssl3,ca-certificates,tzdata
}

# --- RabbitMQ ----------------------------------------------------------------------------------

# What the official image's entrypoint does that the stack relies on: run as root first (so the stack's
# command can install the Erlang cookie), then drop to the rabbitmq user.
prepare_rabbitmq() {
  local root=$1
  mkdir -p "$root/etc/rabbitmq/conf.d" "$root/var/lib/rabbitmq" "$root/usr/local/bin"
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
if [ "$(id -u)" = 0 ]; then
  chown -R rabbitmq:rabbitmq /var/lib/rabbitmq
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups env HOME=/var/lib/rabbitmq "$0" "$@"
fi
exec "$@"
EOF
  chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"
  # Debian's /usr/sbin/rabbitmq-server sends the node's output to files under /var/log; a container's
  # belongs on its console, as the official image does.
  printf '#!/bin/sh\nexec /usr/lib/rabbitmq/bin/rabbitmq-server "$@"\n' >"$root/usr/local/bin/rabbitmq-server"
  chmod 755 "$root/usr/local/bin/rabbitmq-server"
  printf '[rabbitmq_management,rabbitmq_prometheus].\n' >"$root/etc/rabbitmq/enabled_plugins"
  # Debian's package logs to files under /var/log; a container logs to its console.
  printf 'log.console = true\nlog.file = false\nloopback_users = none\nlisteners.tcp.default = 5672\n' \
    >"$root/etc/rabbitmq/conf.d/00-image.conf"
}

build_rabbitmq() {
  local key
  key=rabbitmq-$( (echo "$SUITE"; declare -f prepare_rabbitmq import_rootfs) | hash_of)
  have_image "$RABBITMQ_IMAGE" "$key" && return 0
  log "building $RABBITMQ_IMAGE"
  import_rootfs "$RABBITMQ_IMAGE" "$key" prepare_rabbitmq rabbitmq-server,ca-certificates \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' --change 'CMD ["rabbitmq-server"]' \
    --change 'ENV RABBITMQ_CONFIG_FILES=/etc/rabbitmq/conf.d'
}

# --- HAProxy -----------------------------------------------------------------------------------

# Debian's package as it is; the stack gives the command and the configuration (docker-proxy). bash stays: the
# stack's health checks use its /dev/tcp.
prepare_haproxy() { :; }

build_haproxy() {
  local key
  key=haproxy-$( (echo "$SUITE"; declare -f prepare_haproxy import_rootfs) | hash_of)
  have_image "$HAPROXY_IMAGE" "$key" && return 0
  log "building $HAPROXY_IMAGE"
  import_rootfs "$HAPROXY_IMAGE" "$key" prepare_haproxy haproxy \
    --change 'CMD ["haproxy", "-db", "-f", "/etc/haproxy/haproxy.cfg"]'
}

# --- the five services -------------------------------------------------------------------------

# Everything that goes into a service image: the tracked sources and build files, and the runtime base.
services_key() {
  (
    cd "$ROOT"
    # Tracked and new files alike, as they are on disk: a developer's `make images` builds what is there.
    git ls-files -z -co --exclude-standard -- global.json Directory.Build.props Directory.Packages.props \
      .editorconfig .dockerignore contracts libraries services tools deploy/docker/service.Dockerfile | sort -z | xargs -0 sha256sum
    "$DOCKER" image inspect --format '{{.Id}}' "$RUNTIME_IMAGE"
    dotnet --version
  ) | hash_of
}

publish() { # PROJECT [FOLDER: services, or tools for opsctl]
  local project=$1 out=$ROOT/artifacts/publish/$1
  rm -rf "$out"
  dotnet publish "$ROOT/${2:-services}/$project/$project.csproj" -c Release -o "$out" --no-self-contained \
    -v quiet -nologo >>"$LOGS/images-publish.log" 2>&1 || { tail -n 40 "$LOGS/images-publish.log" >&2; die "publish of $project failed"; }
}

build_services() {
  local key names=() entry name project port
  key=services-$(services_key)
  for entry in "${SERVICES[@]}"; do names+=("$REGISTRY/${entry%%:*}:$TAG"); done
  # One archive holds all five, but a build cut short could have tagged only some: every one must carry the key.
  local name missing=0
  for name in "${names[@]}"; do have_image "$name" "$key" || missing=1; done
  ((missing)) || return 0
  log "publishing the services (log: $LOGS/images-publish.log)"
  : >"$LOGS/images-publish.log"
  publish Opsctl tools
  cp "$ROOT/artifacts/publish/Opsctl/PretixOps.Opsctl" "$ROOT/artifacts/publish/Opsctl/opsctl"
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name project port <<<"$entry"
    publish "$project"
    cp "$ROOT/artifacts/publish/$project/PretixOps.$project" "$ROOT/artifacts/publish/$project/service"
  done
  for entry in "${SERVICES[@]}"; do
    IFS=: read -r name project port <<<"$entry"
    log "building $REGISTRY/$name:$TAG"
    DOCKER_BUILDKIT=1 "$DOCKER" build --network none -f "$ROOT/deploy/docker/service.Dockerfile" \
      --build-arg SERVICE="$project" --build-arg PORT="$port" --build-arg PUBLISH=context \
      --build-arg BASE_IMAGE="$RUNTIME_IMAGE" --label org.pretixops.key="$key" \
      -t "$REGISTRY/$name:$TAG" "$ROOT" >"$LOGS/images-build-$name.log" 2>&1 \
      || { tail -n 40 "$LOGS/images-build-$name.log" >&2; die "docker build of $name failed"; }
  done
  save_image "$key" "${names[@]}"
}

list() {
  "$DOCKER" image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -E "^($REGISTRY/|pretixops/)" | sort
}

case ${1:-} in
  build)
    start=$SECONDS
    build_runtime
    build_rabbitmq
    build_haproxy
    build_services
    log "images ready in $((SECONDS - start)) s (cache: $CACHE)"
    ;;
  list) list ;;
  *) sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
