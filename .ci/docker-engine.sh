#!/usr/bin/env bash
# Makes a Docker engine answer on this machine, for smemu's Docker backend and its tests.
# Idempotent: installs Debian's docker.io and debootstrap when they are missing (needs root and
# apt), starts dockerd when no engine answers, and waits until `docker info` works.
# The engine's log goes to ${SMEMU_DOCKERD_LOG:-/var/log/smemu-dockerd.log}.
set -euo pipefail

log=${SMEMU_DOCKERD_LOG:-/var/log/smemu-dockerd.log}

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if ((${#missing[@]})); then
    echo "docker-engine: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi

if docker info >/dev/null 2>&1; then
    echo "docker-engine: an engine answers ($(docker version --format '{{.Server.Version}}'))"
    exit 0
fi

wait_for_engine() {  # $1: pid of a dockerd; 0 when `docker info` works within 60 s
    for _ in $(seq 120); do
        docker info >/dev/null 2>&1 && return 0
        live "$1" || return 1
        sleep 0.5
    done
    return 1
}

live() {  # $1: a pid; true for a running process (not gone, not a zombie)
    [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# a dockerd still starting up: wait for it; one that never answers is ended
pidfile=/var/run/docker.pid
if [ -f "$pidfile" ] && live "$(cat "$pidfile")"; then
    pid=$(cat "$pidfile")
    echo "docker-engine: waiting for the running dockerd ($pid)"
    if wait_for_engine "$pid"; then
        echo "docker-engine: an engine answers ($(docker version --format '{{.Server.Version}}'))"
        exit 0
    fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 40); do live "$pid" || break; sleep 0.5; done
fi
# pid files of a dockerd (and its containerd) that were killed stop a new one from starting
for stale in "$pidfile" /var/run/docker/containerd/containerd.pid; do
    if [ -f "$stale" ] && ! live "$(cat "$stale")"; then rm -f "$stale"; fi
done

start_dockerd() {
    echo "docker-engine: starting dockerd $*"
    setsid dockerd "$@" >>"$log" 2>&1 </dev/null &
    local pid=$!
    if wait_for_engine "$pid"; then return 0; fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 1
}

# smemu's containers and builds use no network, so an engine without iptables does as well
start_dockerd \
    || start_dockerd --iptables=false --ip6tables=false --bridge=none \
    || { echo "docker-engine: dockerd did not come up; the end of $log:"; tail -n 30 "$log"; exit 1; }
echo "docker-engine: an engine answers ($(docker version --format '{{.Server.Version}}'))"
