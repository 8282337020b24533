#!/usr/bin/env bash
# Image benchmarks, berthd side by side with a real dockerd, both driven by the
# real docker CLI:
#   - save -o / load -i of a ~200 MB, 4-layer image (busybox + 3 x 66 MB
#     incompressible layers), N=5 (--quick 3), engines alternated per iteration
#   - `images` and `images --format '{{.Repository}}:{{.Tag}}'` with 500 extra
#     tags of one image, N=10 each, engines alternated
# Prints a markdown table (metric | berthd | dockerd | ratio berth/dockerd) on
# stdout, progress on stderr, and writes JSON to $RESULTS.
#
#   bench/images.sh [--quick]
#
# Environment:
#   BERTH_HOST       berthd socket (unix:///...). Unset: start bin/berthd on temporary
#                    roots and stop it (SIGTERM to its PID) at exit.
#   DOCKER_REF_HOST  reference dockerd (unix:///tmp/anchor/docker.sock). If that default
#                    socket is absent, dockerd is started on /tmp/anchor private roots
#                    (as ../shared/bench/README.md shows) and left running.
#   RESULTS          JSON output (/tmp/bench-images.json)
#   BENCH_N          save/load iterations (5; --quick 3)
#   BENCH_N_LS       `images` samples per engine and format (10; --quick 5)
#   BENCH_TAGS       tags for the `images` test (500)
#   DOCKER_CLI       docker client (docker; needs v20+)
#
# The image is assembled as a docker-archive (manifest.json + <hex>.json config +
# <dir>/layer.tar per layer) without any builder, from deterministic data
# (AES-128-CTR over zeros with fixed keys, fixed mtimes), and `docker load`ed into
# both engines, which must then report the same image id. Everything this script
# creates is removed at exit: its images and tags on both engines, its temp dir,
# the berthd it started. It never touches /var/lib/docker or a system dockerd.
#
# Needs: bash >= 5, docker CLI, curl, jq, openssl, GNU tar, coreutils, awk, node.
set -uo pipefail
export LC_ALL=C DOCKER_CLI_HINTS=false
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2; exit "${1:-0}"; }
die() { echo "images.sh: $*" >&2; exit 2; }
QUICK=0
for a in "$@"; do
  case $a in
  --quick) QUICK=1 ;;
  -h | --help) usage 0 ;;
  *) echo "images.sh: unknown argument $a" >&2; usage 2 ;;
  esac
done
if ((QUICK)); then N=${BENCH_N:-3} NLS=${BENCH_N_LS:-5}; else N=${BENCH_N:-5} NLS=${BENCH_N_LS:-10}; fi
NTAGS=${BENCH_TAGS:-500}
RESULTS=${RESULTS:-/tmp/bench-images.json}
read -ra DOCKER <<<"${DOCKER_CLI:-docker}"
DEF_REF=unix:///tmp/anchor/docker.sock
REF_HOST=${DOCKER_REF_HOST:-$DEF_REF}
BERTH_HOST=${BERTH_HOST:-}
RUN=r$(date +%s)-$$
BIG=bench-images/big:$RUN     # the 200 MB image
BASE=bench-images/busybox:$RUN # its busybox base, tagged NTAGS more times
TAGREPO=bench-tags/t-$RUN       # repo of the NTAGS tags (1..NTAGS)
TMO=900

for c in "${DOCKER[0]}" curl jq openssl tar awk node; do command -v "$c" >/dev/null || die "$c not found"; done
[[ -n ${EPOCHREALTIME:-} ]] || die "bash >= 5 needed (EPOCHREALTIME)"
TMP=$(mktemp -d /tmp/bench-images.XXXXXX) || die "mktemp failed"
exec 3>&2
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&3; }

# ---------------------------------------------------------------- engines
ENG=(berthd dockerd)
declare -A HOST SOCK LOADED TAGGED ROWS
BERTH_PID=
cleanup() {
  local rc=$? e i names
  trap - EXIT INT TERM
  set +e
  for e in "${ENG[@]}"; do
    [[ -n ${HOST[$e]:-} ]] || continue
    if [[ -n ${TAGGED[$e]:-} ]]; then
      names=(); for ((i = 1; i <= NTAGS; i++)); do names+=("$TAGREPO:$i"); done
      dk "$e" rmi "${names[@]}" >/dev/null 2>&1
    fi
    [[ -n ${LOADED[$e]:-} ]] && dk "$e" rmi "$BIG" "$BASE" >/dev/null 2>&1
  done
  if [[ -n $BERTH_PID ]]; then
    kill -TERM "$BERTH_PID" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$BERTH_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$BERTH_PID" 2>/dev/null && { log "berthd $BERTH_PID ignored SIGTERM; killing it"; kill -KILL "$BERTH_PID"; }
    wait "$BERTH_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

start_engines
log "berthd ${VER[berthd]} at ${HOST[berthd]}; dockerd ${VER[dockerd]} at ${HOST[dockerd]}; $CLI_VER; run $RUN, n=$N, images n=$NLS, $NTAGS tags"

# ---------------------------------------------------------------- the image
# Base layer + config: berth's offline busybox (deterministic), saved from berthd.
log "assembling the ~200 MB image"
"$ROOT/bin/berth" -H "${HOST[berthd]}" bootstrap "$BASE" >/dev/null 2>"$TMP/err" || die "berth bootstrap failed: $(<"$TMP/err")"
LOADED[berthd]=1
dk berthd save -o "$TMP/base.tar" "$BASE" 2>"$TMP/err" || die "save of the base failed: $(<"$TMP/err")"
dk berthd rmi "$BASE" >/dev/null 2>&1 # loaded again below, with the big image
A=$TMP/archive
mkdir -p "$A/x"
tar -C "$A/x" -xf "$TMP/base.tar" || die "cannot unpack the base archive"
base_cfg=$(jq -r '.[0].Config' "$A/x/manifest.json") base_layer=$(jq -r '.[0].Layers[0]' "$A/x/manifest.json")
[[ $(jq '.[0].Layers | length' "$A/x/manifest.json") == 1 ]] || die "the busybox base has more than one layer"
d0=$(sha256sum "$A/x/$base_layer" | cut -c1-64)
mkdir -p "$A/$d0" && mv "$A/x/$base_layer" "$A/$d0/layer.tar"
bcfg_hex=$(sha256sum "$A/x/$base_cfg" | cut -c1-64)
mv "$A/x/$base_cfg" "$A/$bcfg_hex.json"
rm -rf "$A/x" "$TMP/base.tar"

prng() { # SEED BYTES (as ../shared/bench/dockerfiles/gen-context.sh)
  openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' "$1")" -iv 00000000000000000000000000000000 \
    -in <(head -c "$2" /dev/zero)
}
diffs=("sha256:$d0") layers=("$d0/layer.tar")
for i in 1 2 3; do
  s=$TMP/src$i
  mkdir -p "$s/data"
  prng $((100 + i)) 66000000 >"$s/data/layer$i.bin" || die "openssl failed"
  chmod 755 "$s/data"; chmod 644 "$s/data/layer$i.bin"
  tar -C "$s" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner --format=ustar \
    -cf "$TMP/layer$i.tar" data || die "tar failed"
  rm -rf "$s"
  d=$(sha256sum "$TMP/layer$i.tar" | cut -c1-64)
  mkdir -p "$A/$d" && mv "$TMP/layer$i.tar" "$A/$d/layer.tar"
  diffs+=("sha256:$d") layers+=("$d/layer.tar")
done
jq -c --argjson d "$(printf '%s\n' "${diffs[@]:1}" | jq -R . | jq -sc .)" '
  .created = "2023-11-14T22:13:20Z"
  | .rootfs.diff_ids += $d
  | .history += [range(1; 4) as $i | {created: "2023-11-14T22:13:20Z",
      created_by: "COPY layer\($i).bin /data/layer\($i).bin # bench/images.sh"}]' \
  "$A/$bcfg_hex.json" >"$TMP/cfg.json" || die "jq failed on the config"
cfg_hex=$(sha256sum "$TMP/cfg.json" | cut -c1-64)
mv "$TMP/cfg.json" "$A/$cfg_hex.json"
jq -nc --arg c "$cfg_hex.json" --arg b "$bcfg_hex.json" --arg big "$BIG" --arg base "$BASE" \
  --argjson l "$(printf '%s\n' "${layers[@]}" | jq -R . | jq -sc .)" \
  '[{Config: $c, RepoTags: [$big], Layers: $l}, {Config: $b, RepoTags: [$base], Layers: $l[:1]}]' >"$A/manifest.json"
IMG_ID=sha256:$cfg_hex BASE_ID=sha256:$bcfg_hex
SIZE_B=0
for l in "${layers[@]}"; do SIZE_B=$((SIZE_B + $(stat -c %s "$A/$l"))); done
MB=$(awk -v b="$SIZE_B" 'BEGIN { printf "%.3f", b / 1e6 }')
tar -C "$A" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner -cf "$TMP/image.tar" . || die "tar failed"
rm -rf "$A"
log "image $IMG_ID: ${#layers[@]} layers, $MB MB (sum of layer tars)"

for e in "${ENG[@]}"; do
  if dk "$e" image inspect "$IMG_ID" >/dev/null 2>&1; then
    die "$e already holds image $IMG_ID under other names ($(dk "$e" image inspect -f '{{.RepoTags}}' "$IMG_ID")): it would make rmi/load a no-op; remove it first"
  fi
  LOADED[$e]=1
  dk "$e" load -q -i "$TMP/image.tar" >/dev/null 2>"$TMP/err" || die "$e: load of the assembled image failed: $(<"$TMP/err")"
  id=$(dk "$e" image inspect -f '{{.Id}}' "$BIG" 2>/dev/null) bid=$(dk "$e" image inspect -f '{{.Id}}' "$BASE" 2>/dev/null)
  [[ $id == "$IMG_ID" && $bid == "$BASE_ID" ]] || die "$e: loaded ids $id / $bid, expected $IMG_ID / $BASE_ID"
done
rm -f "$TMP/image.tar"
log "both engines hold $BIG = $IMG_ID"

# ---------------------------------------------------------------- stats
declare -A S # S[metric,engine] = space-separated samples
add() { S[$1,$2]+="$3 "; }
us_to() { awk -v u="$1" -v d="$2" 'BEGIN { printf "%.6f", u / d }'; }
rate() { awk -v m="$MB" -v u="$1" 'BEGIN { printf "%.3f", m / (u / 1e6) }'; }

# ---------------------------------------------------------------- save / load
log "== save/load, n=$N"
for ((it = 1; it <= N; it++)); do
  if ((it % 2)); then order=(berthd dockerd); else order=(dockerd berthd); fi
  for e in "${order[@]}"; do
    f=$TMP/save-$e.tar
    rm -f "$f"; sync
    timed dk "$e" save -o "$f" "$BIG" 2>"$TMP/err" || die "$e: save failed: $(<"$TMP/err")"
    add save_s "$e" "$(us_to "$DT" 1e6)"; add save_mb_per_s "$e" "$(rate "$DT")"; sv=$DT
    dk "$e" rmi "$BIG" >/dev/null 2>"$TMP/err" || die "$e: rmi failed: $(<"$TMP/err")"
    ! dk "$e" image inspect "$IMG_ID" >/dev/null 2>&1 || die "$e: image still present after rmi"
    sync
    timed dk "$e" load -i "$f" >/dev/null 2>"$TMP/err" || die "$e: load failed: $(<"$TMP/err")"
    add load_s "$e" "$(us_to "$DT" 1e6)"; add load_mb_per_s "$e" "$(rate "$DT")"
    id=$(dk "$e" image inspect -f '{{.Id}}' "$BIG" 2>/dev/null)
    [[ $id == "$IMG_ID" ]] || die "$e: after load $BIG is '$id', expected $IMG_ID"
    add save_file_mb "$e" "$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.3f", b / 1e6 }')"
    log "  $it $e: save $(us_to "$sv" 1e6) s, load $(us_to "$DT" 1e6) s"
    rm -f "$f"
  done
done

# ---------------------------------------------------------------- images with many tags
log "== images with $NTAGS tags, n=$NLS"
for e in "${ENG[@]}"; do
  TAGGED[$e]=1
  timed api "$e" -o /dev/null -w '%{http_code}\n' -X POST "/images/$BASE_ID/tag?repo=$TAGREPO&tag=[1-$NTAGS]" >"$TMP/codes"
  bad=$(grep -cvx 201 "$TMP/codes")
  ((bad == 0 && $(wc -l <"$TMP/codes") == NTAGS)) || die "$e: $bad of $NTAGS tag calls failed ($(sort "$TMP/codes" | uniq -c | tr '\n' ' '))"
  add tag_api_total_s "$e" "$(us_to "$DT" 1e6)"
  ROWS[$e]=$(dk "$e" images --format '{{.Repository}}:{{.Tag}}' | wc -l)
  got=$(dk "$e" images --format '{{.Repository}}:{{.Tag}}' | grep -c "^$TAGREPO:")
  ((got == NTAGS)) || die "$e: images lists $got of the $NTAGS tags"
  add images_rows "$e" "${ROWS[$e]}"
done
for e in "${ENG[@]}"; do dk "$e" images >/dev/null; dk "$e" images --format '{{.Repository}}:{{.Tag}}' >/dev/null; done # warm-up
for ((it = 1; it <= NLS; it++)); do
  if ((it % 2)); then order=(berthd dockerd); else order=(dockerd berthd); fi
  for e in "${order[@]}"; do
    timed dk "$e" images >"$TMP/out" || die "$e: images failed"
    add images_ms "$e" "$(us_to "$DT" 1e3)"
    (($(wc -l <"$TMP/out") > NTAGS)) || die "$e: images printed only $(wc -l <"$TMP/out") lines"
    timed dk "$e" images --format '{{.Repository}}:{{.Tag}}' >"$TMP/out" || die "$e: images --format failed"
    add images_format_ms "$e" "$(us_to "$DT" 1e3)"
    (($(wc -l <"$TMP/out") >= NTAGS)) || die "$e: images --format printed only $(wc -l <"$TMP/out") lines"
  done
done
for e in "${ENG[@]}"; do
  names=(); for ((i = 1; i <= NTAGS; i++)); do names+=("$TAGREPO:$i"); done
  dk "$e" rmi "${names[@]}" >/dev/null 2>"$TMP/err" || log "warning: $e: removing the tags: $(head -c 300 "$TMP/err")"
  TAGGED[$e]=
done

# ---------------------------------------------------------------- report
METRICS=(image_size_mb save_s save_mb_per_s load_s load_mb_per_s save_file_mb images_ms images_format_ms images_rows tag_api_total_s)
declare -A UNIT=([image_size_mb]=MB [save_s]=s [save_mb_per_s]=MB/s [load_s]=s [load_mb_per_s]=MB/s [save_file_mb]=MB
  [images_ms]=ms [images_format_ms]=ms [images_rows]=rows [tag_api_total_s]=s)
add image_size_mb berthd "$MB"; add image_size_mb dockerd "$MB"
DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
  echo
  echo "images bench $DATE, $(nproc) cores (loadavg1 $LOAD0 at start, $(cut -d' ' -f1 /proc/loadavg) at end), n=$N save/load, n=$NLS images, $NTAGS tags; $CLI_VER"
  echo "image $IMG_ID: ${#layers[@]} layers, $MB MB; berthd ${VER[berthd]} ($BUILD), dockerd ${VER[dockerd]}"
  echo
  echo "| metric | unit | berthd | dockerd | ratio (berth/dockerd) |"
  echo "|---|---|---|---|---|"
} >"$TMP/table.md" # printed after the JSON is written, so a closed stdout cannot lose the results
metric_rows
read -r save_b _ < <(stat3 ${S[save_mb_per_s,berthd]})
read -r load_b _ < <(stat3 ${S[load_mb_per_s,berthd]})
echo >>"$TMP/table.md"
awk -v s="$save_b" -v l="$load_b" 'BEGIN {
  printf "goal (faster than dockerd 20.10 and podman 4.3 baselines: save > 130 / 202 MB/s, load > 151 / 173 MB/s): berth save %.1f MB/s (%s), load %.1f MB/s (%s)\n",
    s, (s > 202 ? "met" : "NOT met"), l, (l > 173 ? "met" : "NOT met") }' >>"$TMP/table.md"
{
  printf '{\n  "bench": "images",\n  "date_utc": "%s",\n  "mode": "%s",\n  "n": %d,\n  "n_images": %d,\n  "tags": %d,\n' \
    "$DATE" "$([[ $QUICK == 1 ]] && echo quick || echo full)" "$N" "$NLS" "$NTAGS"
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
