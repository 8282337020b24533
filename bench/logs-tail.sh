#!/usr/bin/env bash
# `logs --tail` and `logs --since` on a 1 GB container log against a 100-line one: both must
# seek, not scan. The big log is written straight into a created container's log file in
# conmon's k8s-file format (the reader does not care who wrote it).
# Usage: DOCKER_HOST=unix:///path/berthd.sock bench/logs-tail.sh [size_mb=1024]
set -euo pipefail
: "${DOCKER_HOST:?set DOCKER_HOST to a berthd socket}"
size_mb=${1:-1024}
n=${BENCH_N:-5}
docker image inspect busybox >/dev/null
big=$(docker create busybox true); small=$(docker create busybox true)
trap 'docker rm -f "$big" "$small" >/dev/null' EXIT
gen() { # path lines|bytes count
  node -e '
    const fs = require("fs");
    const [path, unit, count] = process.argv.slice(1);
    const fd = fs.openSync(path, "w");
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    let i = 0, bytes = 0, chunk = [];
    const limit = Number(count) * (unit === "mb" ? 1048576 : 1);
    for (;;) {
      const ts = new Date(t0 + i).toISOString().replace("Z", "000000+00:00");
      const line = `${ts} stdout F line ${i} ${"x".repeat(60)}\n`;
      chunk.push(line); bytes += line.length; i++;
      if (chunk.length === 10000) { fs.writeSync(fd, chunk.join("")); chunk = []; }
      if (unit === "mb" ? bytes >= limit : i >= limit) break;
    }
    fs.writeSync(fd, chunk.join("")); fs.closeSync(fd);
    console.error(`${path}: ${i} lines, ${(bytes / 1048576).toFixed(0)} MB`);
  ' "$@"
}
gen "$(docker inspect -f '{{.LogPath}}' "$big")" mb "$size_mb"
gen "$(docker inspect -f '{{.LogPath}}' "$small")" lines 100
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { local s e; s=$EPOCHREALTIME; "$@" >/dev/null; e=$EPOCHREALTIME; echo "($e - $s) * 1000" | bc -l | xargs printf '%.1f\n'; }
for what in "tail10:--tail 10" "since-mid:--since 2026-01-01T00:00:05Z --until 2026-01-01T00:00:05.100Z"; do
  name=${what%%:*}; args=${what#*:}
  for c in big small; do
    id=${!c}
    # shellcheck disable=SC2086
    m=$(for _ in $(seq "$n"); do time_ms docker logs $args "$id"; done | median)
    echo "logs_${name}_${c}_ms $m ms"
  done
done
