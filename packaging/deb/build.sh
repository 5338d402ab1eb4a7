#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# build.sh - the Debian package of mxgate from a staged tree, without
# network: `make deb` runs it after `make install DESTDIR=WORK/debian/mxgate
# PREFIX=/usr UNITDIR=/lib/systemd/system`.
#
#   packaging/deb/build.sh VERSION WORK OUTDIR
#
# Into the staged tree WORK/debian/mxgate it adds what Debian expects
# beside the installed files (programs stripped, man pages gzipped,
# /usr/share/doc/mxgate with the copyright) and the control area DEBIAN/: control (from
# control.in: the version given, this machine's architecture, the
# runtime libraries' packages), conffiles (every file under /etc),
# md5sums and the maintainer scripts postinst, prerm and postrm of this
# directory. The library dependencies come from dpkg-shlibdeps (package
# dpkg-dev); without it, from the packages that own the libraries the
# programs are linked with (dpkg -S), without versions. Then dpkg-deb
# builds OUTDIR/mxgate_VERSION_ARCH.deb, files owned by root, and its
# path is printed. DEB_MAINTAINER overrides the Maintainer field.
set -eu

[ $# -eq 3 ] || { echo "usage: $0 VERSION WORK OUTDIR" >&2; exit 2; }
VERSION=$1 WORK=$2 OUTDIR=$3
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
STAGE=$WORK/debian/mxgate
MAINTAINER=${DEB_MAINTAINER:-mxgate maintainers <mxgate@example.org>}
ARCH=$(dpkg --print-architecture)
PROGRAMS="usr/sbin/mxgated usr/sbin/mxgatectl"

die() { echo "build.sh: $*" >&2; exit 1; }
for p in $PROGRAMS usr/sbin/mxgate-rules etc/mxgate/mxgate.conf \
	lib/systemd/system/mxgated.service; do
	[ -e "$STAGE/$p" ] || die "$STAGE/$p is missing: stage the tree with make install first"
done
case $VERSION in
[0-9]*) ;;
*) die "\"$VERSION\" is not a Debian version (MXG_VERSION in daemon/version.h)" ;;
esac

# shlibs - the runtime libraries' packages, "pkg (>= v), ..."
shlibs() {
	if command -v dpkg-shlibdeps >/dev/null; then
		# It reads debian/control under the directory it runs in.
		printf 'Source: mxgate\n\nPackage: mxgate\nArchitecture: any\n' \
			> "$WORK/debian/control"
		# shellcheck disable=SC2046 # the programs' paths have no blanks
		(cd "$WORK" && dpkg-shlibdeps -O $(for p in $PROGRAMS; do
			echo "debian/mxgate/$p"; done)) | sed -n 's/^shlibs:Depends=//p'
		return
	fi
	echo "build.sh: no dpkg-shlibdeps (dpkg-dev): library packages from dpkg -S, no versions" >&2
	for p in $PROGRAMS; do
		ldd "$STAGE/$p" | awk '$3 ~ /^\// { print $3 }'
	done | sort -u | while read -r lib; do
		dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"
	done | sed 's/:.*//' | sort -u | paste -sd, | sed 's/,/, /g'
}

# Debian's ways: programs stripped (make install keeps the symbols), man
# pages compressed, the copyright beside the docs.
for p in $PROGRAMS; do
	${STRIP:-strip} --strip-unneeded --remove-section=.comment \
		--remove-section=.note "$STAGE/$p"
done
find "$STAGE/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} +
install -d "$STAGE/usr/share/doc/mxgate"
install -m 0644 "$HERE/copyright" "$STAGE/usr/share/doc/mxgate/copyright"
gzip -9n < "$TOP/README.md" > "$STAGE/usr/share/doc/mxgate/README.md.gz"

# Before shlibs: dpkg-shlibdeps knows a package's tree by its DEBIAN/.
install -d -m 0755 "$STAGE/DEBIAN"
SHLIBS=$(shlibs)
[ -n "$SHLIBS" ] || die "found no runtime libraries for $PROGRAMS"
SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s|@VERSION@|$VERSION|" -e "s|@ARCH@|$ARCH|" -e "s|@MAINTAINER@|$MAINTAINER|" \
	-e "s|@SIZE@|$SIZE|" -e "s|@SHLIBS@|$SHLIBS|" "$HERE/control.in" > "$STAGE/DEBIAN/control"
(cd "$STAGE" && find etc -type f | sort | sed 's|^|/|') > "$STAGE/DEBIAN/conffiles"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
	xargs -0 md5sum) > "$STAGE/DEBIAN/md5sums"
for s in postinst prerm postrm; do
	install -m 0755 "$HERE/$s" "$STAGE/DEBIAN/$s"
done

DEB=$OUTDIR/mxgate_${VERSION}_$ARCH.deb
dpkg-deb --root-owner-group --build "$STAGE" "$DEB" >/dev/null
echo "$DEB"
