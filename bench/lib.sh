# Shared helpers of the side-by-side bench scripts (images.sh, system-df.sh). Sourced after the
# script has set HOST/SOCK (engine → DOCKER_HOST / socket path), DOCKER (the CLI argv) and TMO.

# dk ENGINE ARGS...: the docker CLI against one engine, bounded by TMO seconds.
dk() { local e=$1; shift; DOCKER_HOST=${HOST[$e]} timeout -k 10 "$TMO" "${DOCKER[@]}" "$@"; }
api() { # ENGINE CURL_ARGS... PATH: a Docker API call over the engine's unix socket
  local e=$1; shift
  curl -sS --unix-socket "${SOCK[$e]}" "${@:1:$#-1}" "http://localhost${*: -1}"
}
wait_sock() { # SOCKET PID
  local i
  for ((i = 0; i < 300; i++)); do
    [[ -S $1 ]] && curl -fsS --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1 && return 0
    [[ -n $2 ]] && ! kill -0 "$2" 2>/dev/null && return 1
    sleep 0.1
  done
  return 1
}

# start_engines [BERTHD ARGS...]: a berthd on $TMP roots unless BERTH_HOST is set (BERTH_PID), the
# reference dockerd on /tmp/anchor when REF_HOST is the default and its socket is absent
# (DOCKERD_PID: the caller decides whether to stop it); then HOST/SOCK/VER per engine, CLI_VER,
# LOAD0 and BUILD (the commit, and the bundle a started berthd loaded: the tree may be dirty).
start_engines() {
  if [[ -z $BERTH_HOST ]]; then
    [[ -f $ROOT/dist/berthd.mjs ]] || (cd "$ROOT" && npm run build >&3) || die "build failed"
    mkdir -p "$TMP/data" "$TMP/exec"
    "$ROOT/bin/berthd" -H "unix://$TMP/berth.sock" --data-root "$TMP/data" --exec-root "$TMP/exec" \
      "$@" >"$TMP/berthd.log" 2>&1 </dev/null 3>&- &
    BERTH_PID=$!
    BERTH_HOST=unix://$TMP/berth.sock
    wait_sock "$TMP/berth.sock" "$BERTH_PID" || { cat "$TMP/berthd.log" >&2; die "berthd did not start"; }
    log "started berthd (pid $BERTH_PID) on $BERTH_HOST"
  fi
  if [[ $REF_HOST == "$DEF_REF" && ! -S /tmp/anchor/docker.sock ]]; then
    command -v dockerd >/dev/null || die "no dockerd socket at /tmp/anchor/docker.sock and no dockerd binary"
    mkdir -p /tmp/anchor
    setsid dockerd --data-root /tmp/anchor/docker --exec-root /tmp/anchor/exec -H unix:///tmp/anchor/docker.sock \
      --pidfile /tmp/anchor/docker.pid >>/tmp/anchor/dockerd.log 2>&1 </dev/null 3>&- &
    DOCKERD_PID=$!
    log "started the reference dockerd (pid $DOCKERD_PID) on $DEF_REF"
    wait_sock /tmp/anchor/docker.sock "$DOCKERD_PID" || die "dockerd did not come up; see /tmp/anchor/dockerd.log"
  fi
  HOST[berthd]=$BERTH_HOST HOST[dockerd]=$REF_HOST
  local e
  for e in "${ENG[@]}"; do
    [[ ${HOST[$e]} == unix://* ]] || die "$e: only unix:// sockets are supported (${HOST[$e]})"
    SOCK[$e]=${HOST[$e]#unix://}
  done
  declare -gA VER
  for e in "${ENG[@]}"; do
    VER[$e]=$(dk "$e" version -f '{{.Server.Version}}' 2>"$TMP/err") || die "$e at ${HOST[$e]} does not answer: $(<"$TMP/err")"
  done
  CLI_VER=$("${DOCKER[@]}" --version 2>/dev/null)
  LOAD0=$(cut -d' ' -f1 /proc/loadavg)
  BUILD="commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  [[ -n $BERTH_PID ]] && BUILD+=", dist/berthd.mjs sha256 $(sha256sum "$ROOT/dist/berthd.mjs" | cut -c1-12)"
  return 0
}

# remove_dockerd_leftovers: what a stopped reference dockerd leaves on the host — docker0 and its
# iptables chains and rules — so a bench run leaves the machine as it found it.
remove_dockerd_leftovers() {
  ip link show docker0 >/dev/null 2>&1 && ip link del docker0
  local rule
  while read -r rule; do iptables ${rule/-A/-D} 2>/dev/null; done < <(iptables -S FORWARD 2>/dev/null | grep -E 'docker0|DOCKER')
  while read -r rule; do iptables -t nat ${rule/-A/-D} 2>/dev/null; done < <(iptables -t nat -S 2>/dev/null | grep -E '^-A (PREROUTING|OUTPUT|POSTROUTING).*(DOCKER|docker0)')
  local ch
  for ch in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do iptables -F "$ch" 2>/dev/null; done
  for ch in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do iptables -X "$ch" 2>/dev/null; done
  iptables -t nat -F DOCKER 2>/dev/null; iptables -t nat -X DOCKER 2>/dev/null
  return 0
}

# ---- samples and the side-by-side table (images.sh, registry.sh, system-df.sh)

stat3() { # SAMPLES... -> "median min max"
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (!NR) { print "null null null"; exit }
    m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m, a[1], a[NR] }'
}
timed() { local t0=${EPOCHREALTIME//./} rc; "$@"; rc=$?; DT=$((${EPOCHREALTIME//./} - t0)); return $rc; }
fmtv() { # VALUE UNIT
  awk -v v="$1" -v u="$2" 'BEGIN { if (v == "null") print "–"; else if (u == "s") printf "%.3f", v
    else if (u == "rows") printf "%d", v; else printf "%.1f", v }'
}

# metric_rows: a table row per metric of METRICS (units in UNIT, samples in S[metric,engine])
# appended to $TMP/table.md, and its JSON entry in json_m.
metric_rows() {
  json_m=()
  local m e row js med mn mx samples ratio
  for m in "${METRICS[@]}"; do
    row="| $m | ${UNIT[$m]} |" js=
    local -A MED=()
    for e in "${ENG[@]}"; do
      # shellcheck disable=SC2086
      read -r med mn mx < <(stat3 ${S[$m,$e]:-})
      MED[$e]=$med
      if [[ $med != null && $mn != "$mx" ]]; then row+=" $(fmtv "$med" "${UNIT[$m]}") ($(fmtv "$mn" "${UNIT[$m]}")–$(fmtv "$mx" "${UNIT[$m]}")) |"
      else row+=" $(fmtv "$med" "${UNIT[$m]}") |"; fi
      samples=$(printf '%s' "${S[$m,$e]:-}" | awk '{ for (i = 1; i <= NF; i++) printf (i > 1 ? "," : "") "%s", $i }')
      js+="${js:+, }\"$e\": {\"median\": $med, \"min\": $mn, \"max\": $mx, \"samples\": [$samples]}"
    done
    ratio=$(awk -v a="${MED[berthd]}" -v b="${MED[dockerd]}" 'BEGIN { if (a == "null" || b == "null" || b == 0) print "null"; else printf "%.3f", a / b }')
    row+=" $([[ $ratio == null ]] && echo – || printf '%.2f' "$ratio") |"
    echo "$row" >>"$TMP/table.md"
    json_m+=("    \"$m\": {\"unit\": \"${UNIT[$m]}\", $js, \"ratio\": $ratio}")
  done
}
