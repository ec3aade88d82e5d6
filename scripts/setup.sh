#!/usr/bin/env bash
# Installs what nslab needs on a Debian/Ubuntu machine (as root) and a
# virtualenv in .venv with nslab and its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for pair in ip:iproute2 sysctl:procps ping:iputils-ping nft:nftables iptables:iptables setpriv:util-linux capsh:libcap2-bin dot:graphviz iperf3:iperf3 python3:python3 vtysh:frr bird:bird2 dnsmasq:dnsmasq-base tcpdump:tcpdump chromium:chromium traceroute:traceroute mtr:mtr-tiny zsh:zsh fish:fish newuidmap:uidmap useradd:passwd slirp4netns:slirp4netns sshd:openssh-server; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then need+=(python3-venv); fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # no service is started by installing it (sshd, frr, bird): nslab starts its own
  # daemons inside its labs; the machine's are not the installer's to start
  hold=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    hold=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq "${need[@]}" >/dev/null
  if [ -n "$hold" ]; then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import nslab, pytest, mypy' >/dev/null 2>&1 \
   || [ pyproject.toml -nt .venv/.installed ]; then
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev,netlab]'
  touch .venv/.installed
fi
