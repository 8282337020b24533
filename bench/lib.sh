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
