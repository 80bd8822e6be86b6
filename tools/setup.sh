#!/bin/sh
# Everything the demo and the tests need, on a fresh Debian machine with Node 20 and Python 3.
# Idempotent: installs only what is missing.
set -eu
cd "$(dirname "$0")/.."
need=""
command -v make >/dev/null || need="$need make"
command -v gcc >/dev/null || need="$need gcc"
command -v arm-none-eabi-gcc >/dev/null || need="$need gcc-arm-none-eabi libnewlib-arm-none-eabi"
command -v qemu-system-arm >/dev/null || need="$need qemu-system-arm"
python3 -c 'import ensurepip, venv' 2>/dev/null || need="$need python3-venv"
if [ -n "$need" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: apt-get install$need"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq $need
fi
# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
sh tools/setup-python.sh
