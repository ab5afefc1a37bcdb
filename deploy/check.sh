#!/usr/bin/env bash
# Checks the Prometheus rules in deploy/prometheus: promtool check rules,
# then promtool test rules. Nothing else. Works from any directory.
#
# promtool comes with Debian's prometheus package. When it is missing and
# CI=true, the package is installed with apt-get (as root or with sudo);
# otherwise this script says how to get it and fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rules=$here/prometheus/jwtguard-rules.yml
tests=$here/prometheus/jwtguard-rules.test.yml

die() { printf 'deploy/check.sh: %s\n' "$*" >&2; exit 1; }

install_promtool() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo > /dev/null || die "promtool is missing and installing it needs root or sudo"
    sudo=(sudo -n)
  fi
  command -v apt-get > /dev/null || die "promtool is missing and apt-get is not available to install it"
  echo "promtool is missing: installing Debian's prometheus package"
  # --no-install-recommends: only promtool is needed, not node-exporter.
  "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus \
    || die "apt-get install prometheus failed"
}

if ! command -v promtool > /dev/null; then
  if [ "${CI:-}" = true ]; then
    install_promtool
  fi
  command -v promtool > /dev/null || die "promtool not found. Install it (Debian/Ubuntu: apt-get install prometheus; or the prometheus release tarball from https://prometheus.io/download/) and run again; with CI=true this script installs it with apt-get."
fi

promtool --version 2>&1 | head -n 1
promtool check rules "$rules"
# Test files name their rule files relative to themselves.
(cd "$(dirname "$tests")" && promtool test rules "$(basename "$tests")")
