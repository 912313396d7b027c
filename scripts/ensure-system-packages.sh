#!/usr/bin/env bash
# Installs the Debian packages some tests need and npm cannot bring, when they
# are missing. Idempotent: a machine that has them all is left alone. Needs
# root and apt-get; without either it says so and installs nothing, and the
# tests that need a missing package skip with a message naming it.
set -euo pipefail

# One package a line, with the tests that need it.
packages=(
  pgbouncer # test/e2e/pgbouncer.e2e.test.ts: the store behind PgBouncer in transaction mode
  chromium  # test/e2e/chat-page.e2e.test.ts: the tutorial's chat page in headless Chromium
)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  echo "system packages present: ${packages[*]}"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "not root: not installing ${missing[*]}; the tests that need them will skip"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get unavailable: not installing ${missing[*]}; the tests that need them will skip"
  exit 0
fi

echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
