#!/usr/bin/env bash
# opsctl as a command on PATH, configured for the local stack (`make up` runs `opsctl.sh install` after
# services.sh, which built the solution and wrote the stack's config, $STATE/opsctl.json):
#
#   opsctl.sh install   copy this clone's Release build of opsctl to $STATE/opsctl, put a launcher at
#                       $OPSCTL_BIN (default /usr/local/bin/opsctl), and link the user's opsctl config
#                       (${XDG_CONFIG_HOME:-~/.config}/opsctl/config.json) to $STATE/opsctl.json
#   opsctl.sh status    where the command and the config point
#
# A copy and a launcher, not `dotnet tool install`: a tool package of an unchanged version (0.1.0) is taken
# from NuGet's cache, so a re-run would keep the old build; a version per build would fill that cache. The
# copy is only what `make up` built, swapped in whole, and skipped when it is the same; later builds (make
# test, an IDE) do not change the command under the operator's feet.
#
# Both the launcher and the link are left in place by `make down`: the addresses are fixed, so after `make
# up` they are right again, and meanwhile opsctl says which address does not answer. Removed, opsctl would
# fall back to its defaults (localhost:5672 as guest) and name a broker that was never there. A launcher or
# config that is not one `make up` wrote (someone's own) is never replaced; another clone's `make up`
# points them at itself.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${PRETIXOPS_STATE:-$ROOT/.local}
CONFIGURATION=${CONFIGURATION:-Release}
BUILD=$ROOT/tools/Opsctl/bin/$CONFIGURATION/net10.0
APP=$STATE/opsctl
BIN=${OPSCTL_BIN:-/usr/local/bin/opsctl}
CONFIG=${XDG_CONFIG_HOME:-$HOME/.config}/opsctl/config.json
# The line by which a launcher is known as one this script wrote.
MARK='# pretixops: written by deploy/local/opsctl.sh'

log() { printf '[opsctl] %s\n' "$*" >&2; }
die() { printf '[opsctl] error: %s\n' "$*" >&2; exit 1; }

# A checksum of a folder's files, names and contents, for "is the copy the build?".
digest() { (cd "$1" && find . -type f ! -name .digest -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }

copy_build() {
  [[ -f $BUILD/PretixOps.Opsctl.dll ]] || die "no build of opsctl in $BUILD: services.sh up builds it (make up)"
  local built
  built=$(digest "$BUILD")
  [[ $(cat "$APP/.digest" 2>/dev/null) == "$built" ]] && return 0
  rm -rf "$APP.new" "$APP.old"
  cp -a "$BUILD" "$APP.new"
  echo "$built" >"$APP.new/.digest"
  [[ ! -d $APP ]] || mv "$APP" "$APP.old"
  mv "$APP.new" "$APP"
  rm -rf "$APP.old"
  log "opsctl copied from $BUILD to $APP"
}

is_ours() { [[ -f $1 ]] && grep -qxF "$MARK" "$1"; }

write_launcher() {
  if [[ -e $BIN || -L $BIN ]] && ! is_ours "$BIN"; then
    log "warning: $BIN is not one make up wrote (a .NET tool, someone's own?): left alone. This clone's opsctl: dotnet $APP/PretixOps.Opsctl.dll"
    return 0
  fi
  local dotnet
  dotnet=$(command -v dotnet) || die "dotnet is not on PATH"
  dotnet=$(readlink -f "$dotnet")
  # Not root (or a read-only /usr/local/bin): the stack still comes up; the command is where this says.
  if ! mkdir -p "$(dirname "$BIN")" 2>/dev/null || [[ ! -w $(dirname "$BIN") ]]; then
    log "warning: cannot write $BIN (set OPSCTL_BIN to a folder on your PATH): this clone's opsctl is dotnet $APP/PretixOps.Opsctl.dll"
    return 0
  fi
  cat >"$BIN.tmp.$$" <<EOF
#!/usr/bin/env bash
$MARK
# opsctl as \`make up\` installed it from the clone at $(printf '%q' "$ROOT"); another clone's make up points it at
# itself. Why a copy and a launcher: that clone's deploy/local/opsctl.sh.
app=$(printf '%q' "$APP")
if [[ ! -f \$app/PretixOps.Opsctl.dll ]]; then
  echo "opsctl: \$app is gone; run make up in a clone of PretixOps to install opsctl again." >&2
  exit 1
fi
exec $(printf '%q' "$dotnet") "\$app/PretixOps.Opsctl.dll" "\$@"
EOF
  chmod 755 "$BIN.tmp.$$"
  mv "$BIN.tmp.$$" "$BIN"
  local found
  # A login shell's PATH, without its terminal: a profile that waits for input (or execs another shell) cannot hold make up.
  found=$(env -i HOME="$HOME" timeout 5 bash -lc 'command -v opsctl' </dev/null 2>/dev/null || true)
  [[ $found == "$BIN" ]] || log "warning: a fresh shell finds ${found:-no opsctl} on PATH, not $BIN"
}

link_config() {
  [[ -f $STATE/opsctl.json ]] || die "no $STATE/opsctl.json: services.sh up writes it (make up)"
  local target
  target=$(readlink "$CONFIG" 2>/dev/null || true)
  [[ $target == "$STATE/opsctl.json" ]] && return 0
  # Only a link make up made (to a clone's .local/opsctl.json) or one left dangling is replaced: a file, or a link
  # into someone's dotfiles, is their own.
  if [[ -e $CONFIG || -L $CONFIG ]] && [[ ! -L $CONFIG || ( $target != */.local/opsctl.json && -e $CONFIG ) ]]; then
    log "warning: $CONFIG is your own: left alone. For the local stack: opsctl --config $STATE/opsctl.json (or OPSCTL_CONFIG)"
    return 0
  fi
  mkdir -p "$(dirname "$CONFIG")"
  ln -sfn "$STATE/opsctl.json" "$CONFIG"
  log "$CONFIG -> $STATE/opsctl.json"
}

install() {
  copy_build
  write_launcher
  link_config
}

status() {
  printf '%-8s %s\n' COMMAND "$(is_ours "$BIN" && sed -n 's/^app=//p' "$BIN" || echo "${BIN}: not installed by make up")"
  printf '%-8s %s\n' CONFIG "$CONFIG$([[ -L $CONFIG ]] && printf ' -> %s' "$(readlink "$CONFIG")")"
}

case ${1:-} in
  install) install ;;
  status) status ;;
  *) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
