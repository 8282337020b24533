#!/usr/bin/env bash
# Registry benchmarks, berthd side by side with a real dockerd, both driven by the
# real docker CLI against Debian's docker-registry on 127.0.0.1:
#   - push of a ~200 MB, 4-layer image (busybox + 3 x 66 MB incompressible layers)
#     to a fresh registry (empty storage, so every layer is compressed and uploaded)
#   - rmi of the pushed name and the image (the busybox base stays), then pull of it
#     back (3 layers downloaded, the base "Already exists"), image id checked
#   - a second push of the same image to another repository of that registry
#     (informational: "Mounted from" on both engines)
# N=5 (--quick 3) iterations, engines alternated per iteration. MB/s = sum of the
# uncompressed layer tars / time, as ../shared/bench/run.sh reports push and pull.
# Prints a markdown table on stdout, progress on stderr, and writes JSON to $RESULTS.
#
#   bench/registry.sh [--quick]
#
# Environment:
#   BERTH_HOST       berthd socket (unix:///...). Unset: start bin/berthd on temporary
#                    roots and stop it (SIGTERM to its PID) at exit.
#   DOCKER_REF_HOST  reference dockerd (unix:///tmp/anchor/docker.sock). If that default
#                    socket is absent, dockerd is started on /tmp/anchor private roots
#                    with setsid, and stopped again at exit (by its PID; docker0 removed).
#   REGISTRY_BIN     /usr/bin/docker-registry
#   RESULTS          JSON output (/tmp/bench-registry.json)
#   BENCH_N          iterations (5; --quick 3)
#   DOCKER_CLI       docker client (docker)
#
# The image is assembled as bench/images.sh does (berth's offline busybox + three
# deterministic AES-CTR layers, no builder) and loaded into both engines, which must
# report the same image id. Everything created is removed at exit: the registries
# and their storage, this run's images on both engines, the temp dir, the daemons
# this script started. It never touches /var/lib/docker or a system dockerd.
#
# Needs: bash >= 5, docker CLI, docker-registry, curl, jq, openssl, GNU tar, node, root.
set -uo pipefail
export LC_ALL=C DOCKER_CLI_HINTS=false
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2; exit "${1:-0}"; }
die() { echo "registry.sh: $*" >&2; exit 2; }
QUICK=0
for a in "$@"; do
  case $a in
  --quick) QUICK=1 ;;
  -h | --help) usage 0 ;;
  *) echo "registry.sh: unknown argument $a" >&2; usage 2 ;;
  esac
done
if ((QUICK)); then N=${BENCH_N:-3}; else N=${BENCH_N:-5}; fi
RESULTS=${RESULTS:-/tmp/bench-registry.json}
REGISTRY_BIN=${REGISTRY_BIN:-/usr/bin/docker-registry}
read -ra DOCKER <<<"${DOCKER_CLI:-docker}"
DEF_REF=unix:///tmp/anchor/docker.sock
REF_HOST=${DOCKER_REF_HOST:-$DEF_REF}
BERTH_HOST=${BERTH_HOST:-}
RUN=r$(date +%s)-$$
BIG=bench-registry/big:$RUN
BASE=bench-registry/busybox:$RUN
TMO=900

for c in "${DOCKER[0]}" "$REGISTRY_BIN" curl jq openssl tar awk node; do command -v "$c" >/dev/null || die "$c not found"; done
[[ -n ${EPOCHREALTIME:-} ]] || die "bash >= 5 needed (EPOCHREALTIME)"
TMP=$(mktemp -d /tmp/bench-registry.XXXXXX) || die "mktemp failed"
exec 3>&2
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&3; }

ENG=(berthd dockerd)
declare -A HOST SOCK LOADED
BERTH_PID= DOCKERD_PID= REG_PID=
registry_stop() {
  [[ -n $REG_PID ]] || return 0
  kill "$REG_PID" 2>/dev/null
  wait "$REG_PID" 2>/dev/null
  REG_PID=
}
cleanup() {
  local rc=$? e i
  trap - EXIT INT TERM
  set +e
  registry_stop
  for e in "${ENG[@]}"; do
    [[ -n ${HOST[$e]:-} && -n ${LOADED[$e]:-} ]] || continue
    mapfile -t refs < <(dk "$e" images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -F -- "$RUN")
    ((${#refs[@]})) && dk "$e" rmi -f "${refs[@]}" >/dev/null 2>&1
  done
  if [[ -n $BERTH_PID ]]; then
    kill -TERM "$BERTH_PID" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$BERTH_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$BERTH_PID" 2>/dev/null && kill -KILL "$BERTH_PID"
    wait "$BERTH_PID" 2>/dev/null
  fi
  if [[ -n $DOCKERD_PID ]]; then
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    for ((i = 0; i < 300; i++)); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$DOCKERD_PID" 2>/dev/null && kill -KILL "$DOCKERD_PID"
    remove_dockerd_leftovers
    log "stopped the reference dockerd this script started (pid $DOCKERD_PID)"
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

start_engines
log "berthd ${VER[berthd]} at ${HOST[berthd]}; dockerd ${VER[dockerd]} at ${HOST[dockerd]}; $CLI_VER; run $RUN, n=$N"

# ---------------------------------------------------------------- the image (as images.sh)
log "assembling the ~200 MB image"
"$ROOT/bin/berth" -H "${HOST[berthd]}" bootstrap "$BASE" >/dev/null 2>"$TMP/err" || die "berth bootstrap failed: $(<"$TMP/err")"
LOADED[berthd]=1
dk berthd save -o "$TMP/base.tar" "$BASE" 2>"$TMP/err" || die "save of the base failed: $(<"$TMP/err")"
dk berthd rmi "$BASE" >/dev/null 2>&1
A=$TMP/archive
mkdir -p "$A/x"
tar -C "$A/x" -xf "$TMP/base.tar" || die "cannot unpack the base archive"
base_cfg=$(jq -r '.[0].Config' "$A/x/manifest.json") base_layer=$(jq -r '.[0].Layers[0]' "$A/x/manifest.json")
d0=$(sha256sum "$A/x/$base_layer" | cut -c1-64)
mkdir -p "$A/$d0" && mv "$A/x/$base_layer" "$A/$d0/layer.tar"
bcfg_hex=$(sha256sum "$A/x/$base_cfg" | cut -c1-64)
mv "$A/x/$base_cfg" "$A/$bcfg_hex.json"
rm -rf "$A/x" "$TMP/base.tar"
prng() { openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' "$1")" -iv 00000000000000000000000000000000 -in <(head -c "$2" /dev/zero); }
diffs=("sha256:$d0") layers=("$d0/layer.tar")
for i in 1 2 3; do
  s=$TMP/src$i
  mkdir -p "$s/data"
  prng $((100 + i)) 66000000 >"$s/data/layer$i.bin" || die "openssl failed"
  chmod 755 "$s/data"; chmod 644 "$s/data/layer$i.bin"
  tar -C "$s" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --format=ustar -cf "$TMP/layer$i.tar" data || die "tar failed"
  rm -rf "$s"
  d=$(sha256sum "$TMP/layer$i.tar" | cut -c1-64)
  mkdir -p "$A/$d" && mv "$TMP/layer$i.tar" "$A/$d/layer.tar"
  diffs+=("sha256:$d") layers+=("$d/layer.tar")
done
jq -c --argjson d "$(printf '%s\n' "${diffs[@]:1}" | jq -R . | jq -sc .)" '
  .created = "2023-11-14T22:13:20Z" | .rootfs.diff_ids += $d
  | .history += [range(1; 4) as $i | {created: "2023-11-14T22:13:20Z", created_by: "COPY layer\($i).bin /data/layer\($i).bin # bench/registry.sh"}]' \
  "$A/$bcfg_hex.json" >"$TMP/cfg.json" || die "jq failed on the config"
cfg_hex=$(sha256sum "$TMP/cfg.json" | cut -c1-64)
mv "$TMP/cfg.json" "$A/$cfg_hex.json"
jq -nc --arg c "$cfg_hex.json" --arg b "$bcfg_hex.json" --arg big "$BIG" --arg base "$BASE" \
  --argjson l "$(printf '%s\n' "${layers[@]}" | jq -R . | jq -sc .)" \
  '[{Config: $c, RepoTags: [$big], Layers: $l}, {Config: $b, RepoTags: [$base], Layers: $l[:1]}]' >"$A/manifest.json"
IMG_ID=sha256:$cfg_hex
SIZE_B=0
for l in "${layers[@]}"; do SIZE_B=$((SIZE_B + $(stat -c %s "$A/$l"))); done
MB=$(awk -v b="$SIZE_B" 'BEGIN { printf "%.3f", b / 1e6 }')
tar -C "$A" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner -cf "$TMP/image.tar" . || die "tar failed"
rm -rf "$A"
for e in "${ENG[@]}"; do
  dk "$e" image inspect "$IMG_ID" >/dev/null 2>&1 && die "$e already holds image $IMG_ID under other names; remove it first"
  LOADED[$e]=1
  dk "$e" load -q -i "$TMP/image.tar" >/dev/null 2>"$TMP/err" || die "$e: load failed: $(<"$TMP/err")"
  [[ $(dk "$e" image inspect -f '{{.Id}}' "$BIG" 2>/dev/null) == "$IMG_ID" ]] || die "$e: loaded image id differs from $IMG_ID"
done
rm -f "$TMP/image.tar"
log "both engines hold $BIG = $IMG_ID (${#layers[@]} layers, $MB MB)"

# ---------------------------------------------------------------- registry
free_port() {
  local p
  for p in $(shuf -i 20000-45000 -n 50); do
    [[ -z $(ss -Htln "sport = :$p" 2>/dev/null) ]] && { echo "$p"; return 0; }
  done
  return 1
}
registry_start() { # PORT DIR
  local port=$1 dir=$2 i
  mkdir -p "$dir/data"
  printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}\nhttp: {addr: "127.0.0.1:%s", secret: %s}\n' \
    "$dir/data" "$port" "$RUN" >"$dir/config.yml"
  "$REGISTRY_BIN" serve "$dir/config.yml" >>"$TMP/registry.log" 2>&1 3>&- &
  REG_PID=$!
  for ((i = 0; i < 150; i++)); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null && return 0
    kill -0 "$REG_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------- stats
declare -A S
add() { S[$1,$2]+="$3 "; }
us_to() { awk -v u="$1" -v d="$2" 'BEGIN { printf "%.6f", u / d }'; }
rate() { awk -v m="$MB" -v u="$1" 'BEGIN { printf "%.3f", m / (u / 1e6) }'; }

log "== push/pull, n=$N"
for ((it = 1; it <= N; it++)); do
  if ((it % 2)); then order=(berthd dockerd); else order=(dockerd berthd); fi
  for e in "${order[@]}"; do
    port=$(free_port) || die "no free port"
    registry_start "$port" "$TMP/reg-$e-$it" || { cat "$TMP/registry.log" >&2; die "registry did not start on 127.0.0.1:$port"; }
    ref=127.0.0.1:$port/$RUN/big:v$it ref2=127.0.0.1:$port/$RUN/copy:v$it
    dk "$e" tag "$BIG" "$ref" || die "$e: tag failed"
    sync
    timed dk "$e" push "$ref" >"$TMP/push.out" 2>&1 || { cat "$TMP/push.out" >&2; die "$e: push failed"; }
    add push_s "$e" "$(us_to "$DT" 1e6)"; add push_mb_per_s "$e" "$(rate "$DT")"; pu=$DT
    (($(grep -c ': Pushed' "$TMP/push.out") >= 3)) || log "warning: $e push $it pushed fewer than 3 layers: $(tr '\n' '|' <"$TMP/push.out")"
    dk "$e" tag "$BIG" "$ref2" || die "$e: tag failed"
    timed dk "$e" push "$ref2" >"$TMP/push2.out" 2>&1 || { cat "$TMP/push2.out" >&2; die "$e: second push failed"; }
    add push_mount_s "$e" "$(us_to "$DT" 1e6)"
    dk "$e" rmi "$ref" "$ref2" "$BIG" >/dev/null 2>"$TMP/err" || die "$e: rmi failed: $(<"$TMP/err")"
    ! dk "$e" image inspect "$IMG_ID" >/dev/null 2>&1 || die "$e: image still present after rmi"
    sync
    timed dk "$e" pull "$ref" >"$TMP/pull.out" 2>&1 || { cat "$TMP/pull.out" >&2; die "$e: pull failed"; }
    add pull_s "$e" "$(us_to "$DT" 1e6)"; add pull_mb_per_s "$e" "$(rate "$DT")"
    (($(grep -c 'Pull complete' "$TMP/pull.out") >= 3)) || log "warning: $e pull $it completed fewer than 3 layers"
    [[ $(dk "$e" image inspect -f '{{.Id}}' "$ref" 2>/dev/null) == "$IMG_ID" ]] || die "$e: pulled image id differs from $IMG_ID"
    dk "$e" tag "$ref" "$BIG" && dk "$e" rmi "$ref" >/dev/null
    log "  $it $e: push $(us_to "$pu" 1e6) s, pull $(us_to "$DT" 1e6) s"
    registry_stop
    rm -rf "$TMP/reg-$e-$it"
  done
done

# ---------------------------------------------------------------- report
METRICS=(image_size_mb push_s push_mb_per_s pull_s pull_mb_per_s push_mount_s)
declare -A UNIT=([image_size_mb]=MB [push_s]=s [push_mb_per_s]=MB/s [pull_s]=s [pull_mb_per_s]=MB/s [push_mount_s]=s)
add image_size_mb berthd "$MB"; add image_size_mb dockerd "$MB"
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
  echo
  echo "registry bench $DATE, $(nproc) cores (loadavg1 $LOAD0 at start, $(cut -d' ' -f1 /proc/loadavg) at end), n=$N; $CLI_VER; $("$REGISTRY_BIN" --version 2>/dev/null | awk '{print $2, $3}')"
  echo "image $IMG_ID: ${#layers[@]} layers, $MB MB; berthd ${VER[berthd]} ($BUILD), dockerd ${VER[dockerd]}"
  echo
  echo "| metric | unit | berthd | dockerd | ratio (berth/dockerd) |"
  echo "|---|---|---|---|---|"
} >"$TMP/table.md"
metric_rows
read -r push_b _ < <(stat3 ${S[push_mb_per_s,berthd]})
read -r pull_b _ < <(stat3 ${S[pull_mb_per_s,berthd]})
echo >>"$TMP/table.md"
awk -v s="$push_b" -v l="$pull_b" 'BEGIN {
  printf "goal (faster than the dockerd 20.10 and podman 4.3 baselines: push > 67 / 154 MB/s, pull > 138 / 174 MB/s): berth push %.1f MB/s (%s), pull %.1f MB/s (%s)\n",
    s, (s > 154 ? "met" : "NOT met"), l, (l > 174 ? "met" : "NOT met") }' >>"$TMP/table.md"
{
  printf '{\n  "bench": "registry",\n  "date_utc": "%s",\n  "mode": "%s",\n  "n": %d,\n' "$DATE" "$([[ $QUICK == 1 ]] && echo quick || echo full)" "$N"
  printf '  "host": {"cores": %d, "kernel": "%s", "loadavg1_start": %s, "loadavg1_end": %s},\n' "$(nproc)" "$(uname -r)" "$LOAD0" "$(cut -d' ' -f1 /proc/loadavg)"
  printf '  "cli": "%s",\n  "engines": {"berthd": {"host": "%s", "version": "%s", "build": "%s"}, "dockerd": {"host": "%s", "version": "%s"}},\n' \
    "$CLI_VER" "${HOST[berthd]}" "${VER[berthd]}" "$BUILD" "${HOST[dockerd]}" "${VER[dockerd]}"
  printf '  "image": {"id": "%s", "layers": %d, "size_bytes": %d},\n  "metrics": {\n' "$IMG_ID" "${#layers[@]}" "$SIZE_B"
  (IFS=$'\n'; printf '%s' "${json_m[*]}" | sed '$!s/$/,/')
  printf '\n  }\n}\n'
} >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
jq -e . "$RESULTS" >/dev/null || log "warning: $RESULTS is not valid JSON"
log "results in $RESULTS"
cat "$TMP/table.md"
