#!/bin/sh
# build.sh: `make image`, Dockerfile.sidecar built into the local image
# store as sidelog:latest and sidelog:VERSION.
#
#   build.sh CACHEDIR VERSION
#
# With a docker whose daemon answers (`docker info`), docker builds it
# as a user would, its base image pulled from its registry, for the
# host's architecture only (a classic docker image store holds no
# manifest list).  Otherwise podman does, for linux/amd64 and
# linux/arm64, the two names then being one manifest list holding both
# (the builder runs on the host's platform and cross-compiles the other:
# see Dockerfile.sidecar), with no registry at all: the builder's base image, the
# name the Dockerfile's FROM gives (debian:SUITE-slim, SUITE its ARG
# DEBIAN), is made here by debootstrap (minbase) from the archive the
# machine's apt already uses, imported under that name, and the build
# runs with --pull=never.  The debootstrap tarball is kept in CACHEDIR,
# and podman's layer cache keeps the rest, so a second run takes
# seconds.  Every podman call reads tests/image/containers.conf.
set -eu
cd "$(dirname "$0")/../.."

[ $# -eq 2 ] || { echo "usage: $0 CACHEDIR VERSION" >&2; exit 2; }
cache=$1 version=$2
dockerfile=Dockerfile.sidecar
suite=$(sed -n 's/^ARG DEBIAN=//p' $dockerfile)
[ -n "$suite" ] || { echo "image: no ARG DEBIAN in $dockerfile" >&2; exit 1; }
base=docker.io/library/debian:$suite-slim
mkdir -p "$cache"
t0=$(date +%s)

say() { echo "image: $*"; }

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
	say "building with docker"
	docker build -f $dockerfile -t sidelog:latest -t "sidelog:$version" .
	say "sidelog:latest, sidelog:$version in $(( $(date +%s) - t0 ))s"
	exit 0
fi

sh src/deps/install-tools.sh image
CONTAINERS_CONF=$(pwd)/tests/image/containers.conf
export CONTAINERS_CONF

# A proxy that only apt's configuration names reaches the builder (and
# debootstrap) through the environment, where both look for one.
if [ -z "${http_proxy:-}" ]; then
	p=
	eval "$(apt-config shell p Acquire::http::Proxy)"
	if [ -n "$p" ] && [ "$p" != DIRECT ]; then
		http_proxy=$p
		export http_proxy
	fi
fi

# The archive of SUITE that apt already uses (no host name is written in
# this repository), or $SIDELOG_DEBIAN_MIRROR.
mirror() {
	if [ -n "${SIDELOG_DEBIAN_MIRROR:-}" ]; then
		echo "$SIDELOG_DEBIAN_MIRROR"
		return
	fi
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	apt-get indextargets --format '$(REPO_URI) $(RELEASE)' |
	    awk -v s="$suite" '$2 == s { print $1; exit }'
}

# The base image: a debootstrap tarball made once, imported when the
# image store lacks it or holds another one (its label names the
# tarball's hash).
tarball=$cache/debian-$suite-minbase.tar
if [ ! -f "$tarball" ]; then
	uri=$(mirror)
	[ -n "$uri" ] || { echo "image: apt has no archive for $suite;" \
	    "set SIDELOG_DEBIAN_MIRROR" >&2; exit 1; }
	say "debootstrap --variant=minbase $suite"
	root=$cache/rootfs
	rm -rf "$root"
	debootstrap --variant=minbase \
	    --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	    "$suite" "$root" "$uri" >"$cache/debootstrap.log" 2>&1 || {
		tail -20 "$cache/debootstrap.log" >&2
		exit 1
	}
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
	chroot "$root" dpkg-query -W >"$cache/debian-$suite-minbase.packages"
	tar -C "$root" --numeric-owner -cf "$tarball.part" .
	mv "$tarball.part" "$tarball"
	rm -rf "$root"
fi
sum=$(sha256sum "$tarball" | cut -c1-64)
have=$(podman image inspect --format '{{index .Labels "sidelog.base"}}' \
    "$base" 2>/dev/null || true)
if [ "$have" != "$sum" ]; then
	say "importing $tarball as $base"
	podman import --change "LABEL sidelog.base=$sum" \
	    --change 'CMD ["bash"]' "$tarball" "$base" >/dev/null
fi

# A list built again under an existing name would keep the old list's
# images beside the new ones: the names go first (a list, or an image
# that an older build.sh made), the layer cache stays.
for n in localhost/sidelog:latest "localhost/sidelog:$version"; do
	podman manifest rm "$n" >/dev/null 2>&1 ||
	    podman untag "$n" >/dev/null 2>&1 || true
done
host=$(podman info --format '{{.Host.Arch}}')
platforms=linux/amd64,linux/arm64
say "podman build -f $dockerfile --platform $platforms"
podman build --pull=never --layers -f $dockerfile \
    --build-arg BUILDPLATFORM="linux/$host" --platform $platforms \
    --manifest localhost/sidelog:latest . >"$cache/build.log" 2>&1 || {
	tail -40 "$cache/build.log" >&2
	exit 1
}
podman tag localhost/sidelog:latest "localhost/sidelog:$version"
say "sidelog:latest, sidelog:$version ($platforms) in" \
    "$(( $(date +%s) - t0 ))s (log: $cache/build.log)"
