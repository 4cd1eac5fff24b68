#!/bin/sh
# fetch.sh: get one pinned upstream tarball from Debian's source packages.
#
#   fetch.sh DLDIR APTDIR SUITE SRCPKG TARBALL SHA256
#
# The archive is the one the machine's own apt configuration names (or
# $SIDELOG_DEBIAN_MIRROR); no host name is written in this repository.
# apt keeps its state under APTDIR, never touching the system's.  Trust
# runs keyring -> signed InRelease -> Sources index -> the tarball's
# SHA-256, which must also equal the pin from src/deps/deps.mk.  A
# tarball already in DLDIR with the pinned hash means no network at all.
set -eu

[ $# -eq 6 ] || { echo "usage: $0 DLDIR APTDIR SUITE SRCPKG TARBALL SHA256" >&2; exit 2; }
dldir=$1 aptdir=$2 suite=$3 srcpkg=$4 tarball=$5 sha=$6
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

die() { echo "fetch: $*" >&2; exit 1; }

have_pinned() {
	[ -f "$dldir/$tarball" ] &&
	    echo "$sha  $dldir/$tarball" | sha256sum -c --status -
}

# The first non-security Debian archive in the system's sources, in
# either the deb822 (.sources) or the one-line (.list) format.
mirror() {
	if [ -n "${SIDELOG_DEBIAN_MIRROR:-}" ]; then
		echo "$SIDELOG_DEBIAN_MIRROR"
		return
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '
		    /^[ \t]*$/ { if (u != "" && s != "" && s !~ /security/) { print u; exit } u = s = "" }
		    /^URIs:/   { u = $2 }
		    /^Suites:/ { s = $2 }
		    END        { if (u != "" && s != "" && s !~ /security/) print u }
		' "$f"
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
	    awk '$1 == "deb" || $1 == "deb-src" {
		i = 2; if ($i ~ /^\[/) while ($i !~ /\]$/) i++
		if ($i ~ /^\[/ || $i ~ /\]$/) i++
		if ($(i + 1) !~ /security/) print $i }'
}

have_pinned && exit 0
command -v apt-get >/dev/null || die "apt-get not found: sources come from Debian's archive"
[ -f "$keyring" ] || die "$keyring missing: install debian-archive-keyring"

uri=$(mirror | grep -m1 '^http') || true
[ -n "$uri" ] || die "no Debian archive in /etc/apt; set SIDELOG_DEBIAN_MIRROR"

# apt reads relative Dir:: paths against its own directories.
mkdir -p "$dldir" "$aptdir"
dldir=$(cd "$dldir" && pwd) aptdir=$(cd "$aptdir" && pwd)
mkdir -p "$aptdir/etc/sources.list.d" "$aptdir/etc/preferences.d" \
    "$aptdir/state/lists/partial" "$aptdir/cache/archives/partial"
echo "deb-src [signed-by=$keyring] $uri $suite main" > "$aptdir/etc/sources.list"
set -- -o Dir::Etc::SourceList="$aptdir/etc/sources.list" \
    -o Dir::Etc::SourceParts="$aptdir/etc/sources.list.d" \
    -o Dir::Etc::PreferencesParts="$aptdir/etc/preferences.d" \
    -o Dir::State="$aptdir/state" -o Dir::State::status=/dev/null \
    -o Dir::Cache="$aptdir/cache" -o Acquire::Languages=none
[ "$(id -u)" = 0 ] && set -- "$@" -o APT::Sandbox::User=root

# Parallel makes fetch several tarballs at once; one apt state, one user.
exec 9>"$aptdir/lock"
flock 9
have_pinned && exit 0

# A fresh index per run of this script is cheap (one file) and avoids
# trusting an old one; apt refuses an index the keyring does not sign.
# A mirror's or proxy's hiccup can leave the index out with apt-get
# update still exiting 0 ("W: Failed to fetch ..."): that is tried
# again, a few times, before the index decides.
set -- "$@" -o Acquire::Retries=3
try=1
until apt-get -q "$@" update >"$aptdir/update.log" 2>&1 &&
    ! grep -q '^[WE]: ' "$aptdir/update.log"; do
	[ $try -lt 3 ] || break
	try=$((try + 1))
	sleep 2
done
grep '^[WE]: ' "$aptdir/update.log" >&2 || true

# Find the index stanza that lists exactly this tarball with this hash.
dir=$(apt-cache "$@" showsrc "$srcpkg" | awk -v t="$tarball" -v h="$sha" '
    function done() { if (ok && d != "" && !p) { print d; p = 1; exit } ok = 0; d = "" }
    /^$/                 { done() }
    /^Directory:/        { d = $2 }
    /^Checksums-Sha256:/ { c = 1; next }
    /^[^ ]/              { c = 0 }
    c && $1 == h && $3 == t { ok = 1 }
    END                  { done() }')
if [ -z "$dir" ] && grep -q '^[WE]: ' "$aptdir/update.log"; then
	die "apt-get update could not fetch $suite's index (see" \
	    "$aptdir/update.log)"
elif [ -z "$dir" ]; then
	echo "fetch: Debian $suite does not list $tarball with SHA-256 $sha." >&2
	echo "fetch: it offers:" >&2
	apt-cache "$@" showsrc "$srcpkg" |
	    awk '/^Checksums-Sha256:/ { c = 1; next } /^[^ ]/ { c = 0 }
		c && $3 ~ /orig\.tar/ { print "  " $3 " " $1 }' | sort -u >&2
	die "update the pin in src/deps/deps.mk after checking the new version"
fi

rm -f "$dldir/$tarball.part"
/usr/lib/apt/apt-helper "$@" download-file "$uri/$dir/$tarball" \
    "$dldir/$tarball.part" "SHA256:$sha" >/dev/null ||
    die "download of $tarball failed"
echo "$sha  $dldir/$tarball.part" | sha256sum -c --status - ||
    die "$tarball: SHA-256 mismatch"
mv "$dldir/$tarball.part" "$dldir/$tarball"
echo "fetch: $tarball verified (sha256 $sha)"
