#!/usr/bin/env bash
# `up -d` of a 10-service busybox project: berth compose and docker-compose 1.29 against berthd,
# and docker-compose 1.29 against a reference dockerd (Debian docker.io) — the acceptance compares
# berth compose on berthd with docker-compose on dockerd. Medians of N runs (default 5); each run
# is a fresh project (down -v in between, untimed). Prints a markdown table on stdout.
#
#   bench/compose.sh            # N=5
#   BENCH_N=3 bench/compose.sh
#
# Both daemons are started here on private roots and sockets (berthd with its own bridge and
# address pool; dockerd with --bridge none --iptables=false, its own --data-root/--exec-root/
# pidfile) and stopped by PID at exit; docker0 and Docker's iptables chains, if any appeared, are
# removed (lib.sh remove_dockerd_leftovers). Needs root, node, docker (CLI), docker-compose, dockerd.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
N=${BENCH_N:-5}
TMP=$(mktemp -d /tmp/bench-compose.XXXXXX)
BERTH_PID='' DOCKERD_PID=''
log() { echo "bench-compose: $*" >&2; }
die() { log "$*"; exit 1; }

cleanup() {
  set +e
  for sock in "$TMP/berth.sock" "$TMP/docker.sock"; do
    [[ -S $sock ]] || continue
    ids=$(DOCKER_HOST=unix://$sock docker ps -aq --filter label=com.docker.compose.project 2>/dev/null)
    [[ -n $ids ]] && DOCKER_HOST=unix://$sock docker rm -f $ids >/dev/null 2>&1
  done
  if [[ -n $DOCKERD_PID ]]; then
    kill "$DOCKERD_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$DOCKERD_PID" 2>/dev/null
    remove_dockerd_leftovers
  fi
  if [[ -n $BERTH_PID ]]; then
    kill "$BERTH_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$BERTH_PID" 2>/dev/null || break; sleep 0.1; done
    # Containers outlive berthd by design: the bench's own conmons go with it.
    for p in $(pgrep -f "conmon.*$TMP/" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  fi
  grep -o " $TMP[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

command -v docker-compose >/dev/null || die "docker-compose is not installed (apt-get install docker-compose)"
[[ -f $ROOT/dist/berthd.mjs ]] || (cd "$ROOT" && npm run build >&2)

# ---- the project: 10 independent services
mkdir -p "$TMP/app"
{
  echo "services:"
  for i in $(seq 1 10); do
    printf '  s%d:\n    image: busybox\n    command: ["sleep", "3600"]\n    stop_signal: SIGKILL\n' "$i"
  done
} >"$TMP/app/compose.yaml"

# ---- engines
mkdir -p "$TMP/bd" "$TMP/be"
"$ROOT/bin/berthd" -H "unix://$TMP/berth.sock" --data-root "$TMP/bd" --exec-root "$TMP/be" \
  --bridge bbench0 --bip 10.233.0.1/24 --default-address-pool base=10.233.0.0/16,size=24 --network-teardown \
  >"$TMP/berthd.log" 2>&1 </dev/null &
BERTH_PID=$!
wait_sock "$TMP/berth.sock" "$BERTH_PID" || { cat "$TMP/berthd.log" >&2; die "berthd did not start"; }
DOCKER_HOST=unix://$TMP/berth.sock node "$ROOT/bin/berth" bootstrap busybox >/dev/null
log "berthd (pid $BERTH_PID) on $TMP/berth.sock"

HAVE_DOCKERD=0
if command -v dockerd >/dev/null; then
  mkdir -p "$TMP/dd" "$TMP/de"
  setsid dockerd --data-root "$TMP/dd" --exec-root "$TMP/de" -H "unix://$TMP/docker.sock" --pidfile "$TMP/docker.pid" \
    --bridge none --iptables=false --ip6tables=false >"$TMP/dockerd.log" 2>&1 </dev/null &
  DOCKERD_PID=$!
  if wait_sock "$TMP/docker.sock" "$DOCKERD_PID"; then
    DOCKER_HOST=unix://$TMP/berth.sock docker save busybox | DOCKER_HOST=unix://$TMP/docker.sock docker load >/dev/null
    HAVE_DOCKERD=1
    log "dockerd $(DOCKER_HOST=unix://$TMP/docker.sock docker version -f '{{.Server.Version}}') (pid $DOCKERD_PID) on $TMP/docker.sock"
  else
    log "dockerd did not start; its column is left out"
  fi
fi

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run_case NAME SOCKET TOOL: N timed `up -d`, each followed by an untimed `down -v`.
declare -A MED MIN MAX
run_case() {
  local name=$1 sock=$2 tool=$3 i s e
  local -a up down
  case $tool in
    berth) up=(node "$ROOT/bin/berth" compose --progress quiet -f "$TMP/app/compose.yaml" -p "bench$RANDOM" up -d) ;;
    dc) up=(docker-compose --log-level ERROR -f "$TMP/app/compose.yaml" -p "bench$RANDOM" up -d) ;;
  esac
  : >"$TMP/times"
  for ((i = 0; i < N; i++)); do
    local p="bench${tool}${i}x$$"
    up[-3]=$p
    down=("${up[@]:0:${#up[@]}-2}" down -v)
    s=$(now)
    DOCKER_HOST=unix://$sock "${up[@]}" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; die "$name: up failed"; }
    e=$(now)
    echo "$e - $s" | bc -l >>"$TMP/times"
    [[ $(DOCKER_HOST=unix://$sock docker ps -q --filter "label=com.docker.compose.project=$p" | wc -l) == 10 ]] || die "$name: not 10 running containers"
    DOCKER_HOST=unix://$sock "${down[@]}" >/dev/null 2>&1 || die "$name: down failed"
  done
  MED[$name]=$(median <"$TMP/times")
  MIN[$name]=$(sort -n "$TMP/times" | head -1)
  MAX[$name]=$(sort -n "$TMP/times" | tail -1)
  log "$name: median ${MED[$name]} s"
}

# docker-compose 1.29 needs ContainerConfig in image inspect, which API ≥ 1.45 (Docker ≥ 25, berthd) leaves out.
export COMPOSE_API_VERSION=1.44
run_case "berth compose → berthd" "$TMP/berth.sock" berth
run_case "docker-compose 1.29 → berthd" "$TMP/berth.sock" dc
if ((HAVE_DOCKERD)); then
  unset COMPOSE_API_VERSION
  run_case "docker-compose 1.29 → dockerd" "$TMP/docker.sock" dc
fi

ref=${MED["docker-compose 1.29 → dockerd"]:-}
echo
echo "\`up -d\`, 10 busybox services, median of $N (min–max), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| client → engine | up -d (s) | vs docker-compose → dockerd |"
echo "|---|---|---|"
for k in "berth compose → berthd" "docker-compose 1.29 → berthd" "docker-compose 1.29 → dockerd"; do
  [[ -n ${MED[$k]:-} ]] || continue
  ratio='—'
  [[ -n $ref ]] && ratio=$(printf '%.2f' "$(echo "${MED[$k]} / $ref" | bc -l)")
  printf '| %s | %.3f (%.3f–%.3f) | %s |\n' "$k" "${MED[$k]}" "${MIN[$k]}" "${MAX[$k]}" "$ratio"
done
