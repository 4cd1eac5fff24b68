#!/bin/sh
# install-tools.sh: install the Debian packages a fresh machine lacks.
#
#   install-tools.sh build|test|bench|fuzz|image|arm64|arm64-test
#
# "build" is what `make` needs to fetch, unpack and compile; "test" adds
# the peers and drivers of the end-to-end tests; "bench" the peers the
# benchmark measures sidelog against; "fuzz" clang and libFuzzer; "image"
# what `make image` and `make image-check` need to build and run the
# sidecar image with podman; "arm64" Debian's cross compiler for
# `make ARCH=arm64`; "arm64-test" adds qemu's user-mode emulator, which
# `make check-arm64` calls directly (no binfmt_misc).  Only
# missing packages are installed, so a ready machine costs one
# dpkg-query and no network.
set -eu

build_pkgs="gcc make binutils tar gzip bzip2 xz-utils patch apt
	debian-archive-keyring"
# tinyproxy and squid are the real HTTP proxies of the proxy tests, run
# by the tests in the foreground with their own configs (their Debian
# packages' system services are not used); curl drives them there.
# prometheus (with promtool) checks examples/monitoring and scrapes a
# sidelog in test_monitoring.py, again in the foreground on a free port
# (the package's own service is not used); python3-yaml reads the
# rules and the scrape config there.
test_pkgs="$build_pkgs python3 python3-pytest openssl clickhouse-server
	nginx-light util-linux mount procps tinyproxy squid curl prometheus
	python3-yaml"
# rsyslog and syslog-ng conflict as packages (each is "the" system
# logger), so the benchmark unpacks both under build/ (tests/bench/
# bench.py) and only their libraries are installed.
bench_pkgs="$test_pkgs libssl-dev zlib1g-dev libestr0 libfastjson4
	liblognorm5 libcurl4 libcap2 libglib2.0-0 libivykis0 libjson-c5 libnet1
	libpcre3 libwrap0"
fuzz_pkgs="$build_pkgs clang libclang-rt-dev"
# On an arm64 host Debian's own gcc answers to aarch64-linux-gnu-gcc.
if [ "$(dpkg --print-architecture)" = arm64 ]; then
	arm64_pkgs="$build_pkgs"
	arm64_test_pkgs="$test_pkgs"
else
	arm64_pkgs="$build_pkgs gcc-aarch64-linux-gnu"
	arm64_test_pkgs="$test_pkgs gcc-aarch64-linux-gnu qemu-user-static"
fi
# Podman as root with runc (crun cannot set rlimits in a sandbox), CNI
# networking for its default bridge, catatonit for a pod's infra
# container; debootstrap makes the builder's base image; python3-yaml
# reads the example manifests the tests derive pods from, openssl makes
# their certificates; qemu-user-static runs the image built for the
# other architecture (its binary only, called directly: no binfmt_misc).
image_pkgs="$build_pkgs podman runc conmon catatonit
	containernetworking-plugins iptables debootstrap python3
	python3-pytest python3-yaml openssl qemu-user-static"

case ${1:-} in
build) want=$build_pkgs ;;
fuzz)  want=$fuzz_pkgs ;;
test)  want=$test_pkgs ;;
bench) want=$bench_pkgs ;;
image) want=$image_pkgs ;;
arm64) want=$arm64_pkgs ;;
arm64-test) want=$arm64_test_pkgs ;;
*)     echo "usage: $0 build|test|bench|fuzz|image|arm64|arm64-test" >&2
       exit 2 ;;
esac

missing=""
for p in $want; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing="$missing $p"
done
# The manifest validator runs on Node.js: a machine may have it from
# elsewhere than Debian, so the commands decide, not the packages.
case ${1:-} in test|bench|arm64-test) node=1 ;; *) node=0 ;; esac
if [ $node = 1 ] && ! { command -v node && command -v npm; } \
    >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

echo "install-tools: installing$missing"
if [ "$(id -u)" = 0 ]; then
	sudo=""
elif command -v sudo >/dev/null; then
	sudo="sudo"
else
	echo "install-tools: need root or sudo to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$sudo apt-get -q update >/dev/null
# shellcheck disable=SC2086
$sudo apt-get -q install -y --no-install-recommends $missing >/dev/null
