#!/usr/bin/env bash
# `system df` with many objects, berthd side by side with a real dockerd, both driven by the real
# docker CLI:
#   - 200 distinct images (busybox + one small layer of its own each, so the busybox layer is
#     shared: SharedSize is not trivially 0), loaded from one docker-archive;
#   - 100 containers (on 10 of those images), each run once to write 4 kB into its rw layer and
#     exited, so every SizeRw is non-zero;
#   - then, engines alternated, N times each: `docker system df`, `docker system df -v`, and the
#     API call alone (GET /system/df over the socket with curl).
# Prints a markdown table (metric | berthd | dockerd | ratio berth/dockerd) on stdout, progress on
# stderr, and writes JSON to $RESULTS. The first API call after the containers exist is reported
# on its own (`api_first_ms`): on berthd it is the one that walks the rw layers (then cached).
#
#   bench/system-df.sh [--quick]
#
# Environment:
#   BERTH_HOST       berthd socket (unix:///...). Unset: start bin/berthd on temporary roots and
#                    stop it (SIGTERM to its PID) at exit.
#   DOCKER_REF_HOST  reference dockerd (unix:///tmp/anchor/docker.sock). If that default socket is
#                    absent, dockerd is started on the /tmp/anchor roots (as ../shared/bench/README.md
#                    shows) and stopped at exit (SIGTERM to its PID; then docker0 and its iptables rules are removed).
#   RESULTS          JSON output (/tmp/bench-system-df.json)
#   BENCH_N          CLI samples per engine and form (10; --quick 5); API samples are 2x this
#   BENCH_IMAGES     images (200)
#   BENCH_CONTAINERS containers (100)
#   DOCKER_CLI       docker client (docker)
#
# Everything this script creates is removed at exit: its containers and images on both engines,
# its temp dir, the engines it started. It never touches /var/lib/docker or a system dockerd.
#
# Needs: bash >= 5, docker CLI, curl, jq, GNU tar, coreutils, awk, xargs, node.
set -uo pipefail
export LC_ALL=C DOCKER_CLI_HINTS=false
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2; exit "${1:-0}"; }
die() { echo "system-df.sh: $*" >&2; exit 2; }
QUICK=0
for a in "$@"; do
  case $a in
  --quick) QUICK=1 ;;
  -h | --help) usage 0 ;;
  *) echo "system-df.sh: unknown argument $a" >&2; usage 2 ;;
  esac
done
if ((QUICK)); then N=${BENCH_N:-5}; else N=${BENCH_N:-10}; fi
NAPI=$((2 * N))
NIMG=${BENCH_IMAGES:-200}
NCTR=${BENCH_CONTAINERS:-100}
RESULTS=${RESULTS:-/tmp/bench-system-df.json}
read -ra DOCKER <<<"${DOCKER_CLI:-docker}"
DEF_REF=unix:///tmp/anchor/docker.sock
REF_HOST=${DOCKER_REF_HOST:-$DEF_REF}
BERTH_HOST=${BERTH_HOST:-}
RUN=r$(date +%s)-$$
REPO=bench-df/i-$RUN   # images: $REPO:1..NIMG
CPFX=bench-df-$RUN-     # containers: ${CPFX}1..NCTR
BASE=bench-df/busybox:$RUN
TMO=900

for c in "${DOCKER[0]}" curl jq tar awk xargs node; do command -v "$c" >/dev/null || die "$c not found"; done
[[ -n ${EPOCHREALTIME:-} ]] || die "bash >= 5 needed (EPOCHREALTIME)"
TMP=$(mktemp -d /tmp/bench-system-df.XXXXXX) || die "mktemp failed"
exec 3>&2
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&3; }

# ---------------------------------------------------------------- engines
ENG=(berthd dockerd)
declare -A HOST SOCK LOADED MADE
BERTH_PID= DOCKERD_PID=
cleanup() {
  local rc=$? e i
  trap - EXIT INT TERM
  set +e
  for e in "${ENG[@]}"; do
    [[ -n ${HOST[$e]:-} ]] || continue
    if [[ -n ${MADE[$e]:-} ]]; then
      dk "$e" ps -aq --filter "name=^$CPFX" | xargs -r "${DOCKER[@]}" -H "${HOST[$e]}" rm -f >/dev/null 2>&1
    fi
    if [[ -n ${LOADED[$e]:-} ]]; then
      { for ((i = 1; i <= NIMG; i++)); do echo "$REPO:$i"; done; echo "$BASE"; } |
        xargs -r -n 100 "${DOCKER[@]}" -H "${HOST[$e]}" rmi >/dev/null 2>&1
    fi
  done
  if [[ -n $BERTH_PID ]]; then
    kill -TERM "$BERTH_PID" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$BERTH_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$BERTH_PID" 2>/dev/null && { log "berthd $BERTH_PID ignored SIGTERM; killing it"; kill -KILL "$BERTH_PID"; }
    wait "$BERTH_PID" 2>/dev/null
  fi
  if [[ -n $DOCKERD_PID ]]; then
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    for ((i = 0; i < 300; i++)); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$DOCKERD_PID" 2>/dev/null && { log "dockerd $DOCKERD_PID ignored SIGTERM; killing it"; kill -KILL "$DOCKERD_PID"; }
    remove_dockerd_leftovers
    log "stopped the reference dockerd (pid $DOCKERD_PID) this script started"
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

start_engines --cgroup-parent "berth-bench-df-$$"
log "berthd ${VER[berthd]} at ${HOST[berthd]}; dockerd ${VER[dockerd]} at ${HOST[dockerd]}; $CLI_VER; run $RUN; $NIMG images, $NCTR containers, n=$N (API n=$NAPI)"

# ---------------------------------------------------------------- the images
# busybox (berth's offline bootstrap, saved from berthd) + one 1 kB layer per image, all in one
# legacy docker-archive: NIMG distinct configs sharing the busybox layer.
log "assembling $NIMG images"
"$ROOT/bin/berth" -H "${HOST[berthd]}" bootstrap "$BASE" >/dev/null 2>"$TMP/err" || die "berth bootstrap failed: $(<"$TMP/err")"
LOADED[berthd]=1
dk berthd save -o "$TMP/base.tar" "$BASE" 2>"$TMP/err" || die "save of the base failed: $(<"$TMP/err")"
A=$TMP/archive
mkdir -p "$A/x"
tar -C "$A/x" -xf "$TMP/base.tar" || die "cannot unpack the base archive"
base_cfg=$(jq -r '.[0].Config' "$A/x/manifest.json") base_layer=$(jq -r '.[0].Layers[0]' "$A/x/manifest.json")
d0=$(sha256sum "$A/x/$base_layer" | cut -c1-64)
mkdir -p "$A/$d0" && mv "$A/x/$base_layer" "$A/$d0/layer.tar"
jq -c '.' "$A/x/$base_cfg" >"$TMP/base.json"
rm -rf "$A/x" "$TMP/base.tar"
src=$TMP/src
entries=$TMP/entries.jsonl
: >"$entries"
for ((i = 1; i <= NIMG; i++)); do
  rm -rf "$src" && mkdir -p "$src/bench"
  printf 'bench image %d of run %s\n%01024d\n' "$i" "$RUN" "$i" >"$src/bench/id"
  tar -C "$src" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --format=ustar -cf "$TMP/l.tar" bench || die "tar failed"
  d=$(sha256sum "$TMP/l.tar" | cut -c1-64)
  mkdir -p "$A/$d" && mv "$TMP/l.tar" "$A/$d/layer.tar"
  jq -c --arg d "sha256:$d" --arg i "$i" '.rootfs.diff_ids += [$d] | .created = "2023-11-14T22:13:20Z"
    | .history += [{created: "2023-11-14T22:13:20Z", created_by: "COPY id /bench/id # bench/system-df.sh \($i)"}]' \
    "$TMP/base.json" >"$TMP/cfg.json" || die "jq failed"
  h=$(sha256sum "$TMP/cfg.json" | cut -c1-64)
  mv "$TMP/cfg.json" "$A/$h.json"
  jq -nc --arg c "$h.json" --arg t "$REPO:$i" --arg l0 "$d0/layer.tar" --arg l1 "$d/layer.tar" \
    '{Config: $c, RepoTags: [$t], Layers: [$l0, $l1]}' >>"$entries"
done
rm -rf "$src"
jq -sc . "$entries" >"$A/manifest.json"
tar -C "$A" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner -cf "$TMP/images.tar" . || die "tar failed"
rm -rf "$A" "$entries"
for e in "${ENG[@]}"; do
  LOADED[$e]=1
  dk "$e" load -q -i "$TMP/images.tar" >/dev/null 2>"$TMP/err" || die "$e: load failed: $(<"$TMP/err")"
  got=$(dk "$e" images --format '{{.Repository}}' | grep -c "^$REPO\$")
  ((got == NIMG)) || die "$e: $got of the $NIMG images after load"
done
rm -f "$TMP/images.tar"
log "both engines hold the $NIMG images"

# ---------------------------------------------------------------- the containers
log "running $NCTR containers (4 kB each in the rw layer)"
for e in "${ENG[@]}"; do
  MADE[$e]=1
  seq 1 "$NCTR" | xargs -P 4 -I{} sh -c "DOCKER_HOST='${HOST[$e]}' $(printf '%q ' "${DOCKER[@]}") run -d --network none \
    --name '$CPFX{}' '$REPO:'\$(( ({} % 10) + 1 )) sh -c 'head -c 4096 /dev/zero > /rw-data' >/dev/null" 2>"$TMP/err" ||
    die "$e: creating the containers failed: $(head -c 500 "$TMP/err")"
  dk "$e" ps -aq --filter "name=^$CPFX" | xargs -r "${DOCKER[@]}" -H "${HOST[$e]}" wait >/dev/null 2>&1
  got=$(dk "$e" ps -a --filter "name=^$CPFX" --filter status=exited -q | wc -l)
  ((got == NCTR)) || die "$e: $got of the $NCTR containers exited"
done

# ---------------------------------------------------------------- stats
declare -A S # S[metric,engine] = space-separated samples
add() { S[$1,$2]+="$3 "; }
us_to() { awk -v u="$1" -v d="$2" 'BEGIN { printf "%.3f", u / d }'; }

declare -A ROWS_I ROWS_C
for e in "${ENG[@]}"; do
  timed api "$e" -o "$TMP/df-$e.json" /system/df || die "$e: GET /system/df failed"
  add api_first_ms "$e" "$(us_to "$DT" 1e3)"
  ROWS_I[$e]=$(jq '.Images | length' "$TMP/df-$e.json") ROWS_C[$e]=$(jq '.Containers | length' "$TMP/df-$e.json")
  ((ROWS_I[$e] >= NIMG && ROWS_C[$e] >= NCTR)) || die "$e: /system/df lists ${ROWS_I[$e]} images and ${ROWS_C[$e]} containers"
  rw=$(jq --arg p "/$CPFX" '[.Containers[] | select(.Names[0] | startswith($p)) | .SizeRw // 0] | min' "$TMP/df-$e.json")
  ((rw >= 4096)) || die "$e: a bench container reports SizeRw $rw (< 4096)"
  add images_rows "$e" "${ROWS_I[$e]}"; add containers_rows "$e" "${ROWS_C[$e]}"
done
for e in "${ENG[@]}"; do dk "$e" system df >/dev/null; dk "$e" system df -v >/dev/null; done # warm-up
log "== docker system df / -v, n=$N; GET /system/df, n=$NAPI"
for ((it = 1; it <= NAPI; it++)); do
  if ((it % 2)); then order=(berthd dockerd); else order=(dockerd berthd); fi
  for e in "${order[@]}"; do
    timed api "$e" -o /dev/null /system/df || die "$e: GET /system/df failed"
    add api_ms "$e" "$(us_to "$DT" 1e3)"
    ((it > N)) && continue
    timed dk "$e" system df >"$TMP/out" || die "$e: system df failed"
    add df_ms "$e" "$(us_to "$DT" 1e3)"
    (($(wc -l <"$TMP/out") == 5)) || die "$e: system df printed $(wc -l <"$TMP/out") lines"
    timed dk "$e" system df -v >"$TMP/out" || die "$e: system df -v failed"
    add df_v_ms "$e" "$(us_to "$DT" 1e3)"
    (($(wc -l <"$TMP/out") > NIMG + NCTR)) || die "$e: system df -v printed only $(wc -l <"$TMP/out") lines"
  done
done

# ---------------------------------------------------------------- report
METRICS=(api_first_ms api_ms df_ms df_v_ms images_rows containers_rows)
declare -A UNIT=([api_first_ms]=ms [api_ms]=ms [df_ms]=ms [df_v_ms]=ms [images_rows]=rows [containers_rows]=rows)
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
  echo
  echo "system df bench $DATE, $(nproc) cores (loadavg1 $LOAD0 at start, $(cut -d' ' -f1 /proc/loadavg) at end), $NIMG images, $NCTR containers, n=$N CLI / $NAPI API; $CLI_VER"
  echo "berthd ${VER[berthd]} ($BUILD), dockerd ${VER[dockerd]}"
  echo
  echo "| metric | unit | berthd | dockerd | ratio (berth/dockerd) |"
  echo "|---|---|---|---|---|"
} >"$TMP/table.md"
metric_rows
read -r api_b _ < <(stat3 ${S[api_ms,berthd]})
read -r df_b _ < <(stat3 ${S[df_ms,berthd]})
echo >>"$TMP/table.md"
awk -v a="$api_b" -v d="$df_b" 'BEGIN { printf "goal (answer in under 100 ms with %s images and %s containers): berth API %.1f ms (%s), docker system df %.1f ms (%s)\n",
  "'"$NIMG"'", "'"$NCTR"'", a, (a < 100 ? "met" : "NOT met"), d, (d < 100 ? "met" : "NOT met") }' >>"$TMP/table.md"
{
  printf '{\n  "bench": "system-df",\n  "date_utc": "%s",\n  "mode": "%s",\n  "n": %d,\n  "n_api": %d,\n  "images": %d,\n  "containers": %d,\n' \
    "$DATE" "$([[ $QUICK == 1 ]] && echo quick || echo full)" "$N" "$NAPI" "$NIMG" "$NCTR"
  printf '  "host": {"cores": %d, "kernel": "%s", "loadavg1_start": %s, "loadavg1_end": %s},\n' "$(nproc)" "$(uname -r)" "$LOAD0" "$(cut -d' ' -f1 /proc/loadavg)"
  printf '  "cli": "%s",\n  "engines": {"berthd": {"host": "%s", "version": "%s", "build": "%s"}, "dockerd": {"host": "%s", "version": "%s"}},\n' \
    "$CLI_VER" "${HOST[berthd]}" "${VER[berthd]}" "$BUILD" "${HOST[dockerd]}" "${VER[dockerd]}"
  printf '  "metrics": {\n'
  (IFS=$'\n'; printf '%s' "${json_m[*]}" | sed '$!s/$/,/')
  printf '\n  }\n}\n'
} >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
jq -e . "$RESULTS" >/dev/null || log "warning: $RESULTS is not valid JSON"
log "results in $RESULTS"
cat "$TMP/table.md"
