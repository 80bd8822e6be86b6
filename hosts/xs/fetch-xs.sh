#!/bin/sh
# Fetches the Moddable XS engine C sources (XS 13.3.0, LGPL-3.0) out of the npm package
# @agoric/xsnap@0.15.0 into hosts/xs/build/moddable/xs/{sources,includes,platforms}.
#
# The package is NOT a dependency of the project: its postinstall builds xsnap and pulls many
# packages. `npm pack` only downloads the tarball; we check it against the pinned sha512
# integrity (the value `npm view @agoric/xsnap@0.15.0 dist.integrity` prints) and extract only
# the three XS folders. Idempotent: does nothing when the sources are already extracted.
set -eu

PKG='@agoric/xsnap@0.15.0'
TARBALL='agoric-xsnap-0.15.0.tgz'
INTEGRITY='sha512-ZBm4DZxbtfacxMHVVdJjZi0Y8zOxN77vpu1WwI5RWfPkaRh0aHkz/dVdTGKXalDNzWfz183lljKxlxl3/h0n+A=='
XS_DIRS='package/moddable/xs/sources package/moddable/xs/includes package/moddable/xs/platforms'

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD="$HERE/build"
STAMP="$BUILD/moddable/xs/.extracted-xsnap-0.15.0"

if [ -f "$STAMP" ] && [ -f "$BUILD/moddable/xs/sources/xsAll.c" ]; then
	exit 0
fi
mkdir -p "$BUILD"
cd "$BUILD"

if [ ! -f "$TARBALL" ]; then
	echo "fetch-xs: npm pack $PKG" >&2
	npm pack --silent "$PKG" >/dev/null
fi

# sha512 of the tarball, base64, the way npm writes "integrity".
actual="sha512-$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$TARBALL")"
if [ "$actual" != "$INTEGRITY" ]; then
	echo "fetch-xs: integrity mismatch for $TARBALL" >&2
	echo "  expected $INTEGRITY" >&2
	echo "  actual   $actual" >&2
	rm -f "$TARBALL"
	exit 1
fi

# The XS sources must really be in the tarball (not left behind in an unpacked git submodule).
if ! tar tzf "$TARBALL" | grep -q '^package/moddable/xs/sources/xsAll\.c$'; then
	echo "fetch-xs: $TARBALL carries no moddable/xs sources; it holds:" >&2
	tar tzf "$TARBALL" >&2
	exit 1
fi

rm -rf moddable
# shellcheck disable=SC2086
tar xzf "$TARBALL" --strip-components=1 $XS_DIRS
touch "$STAMP"
echo "fetch-xs: XS sources in $BUILD/moddable/xs" >&2
