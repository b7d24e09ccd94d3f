#!/bin/sh
# Installs the C library: include/boltc.h, boltc.hpp, lib/libboltc.so, lib/libboltc.a and
# lib/pkgconfig/boltc.pc + boltc-static.pc under a prefix.
#
#   scripts/install-c.sh [--prefix P] [--lib-dir DIR] [--keep-debug]
#
#   --prefix P     install root (default $PREFIX, else /usr/local)
#   --lib-dir DIR  install the libboltc.so/.a already built in DIR instead of running
#                  `cargo build --release --lib` (tests/install.rs uses target/debug this way)
#   --keep-debug   do not strip debug info from the installed libraries (by default
#                  `strip --strip-debug` runs on both: the release .so has none, but the .a
#                  bundles the Rust standard library's objects, which carry it)
set -eu
PREFIX=${PREFIX:-/usr/local}
LIBDIR_IN=
STRIP=1
while [ $# -gt 0 ]; do
    case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#--prefix=}; shift ;;
    --lib-dir) LIBDIR_IN=$2; shift 2 ;;
    --lib-dir=*) LIBDIR_IN=${1#--lib-dir=}; shift ;;
    --keep-debug) STRIP=0; shift ;;
    *) echo "install-c.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
# The .pc files name the prefix, so it is made absolute (a relative path is from the caller's
# directory, as is a relative --lib-dir).
case "$PREFIX" in /*) ;; *) PREFIX=$(pwd)/$PREFIX ;; esac
case "$LIBDIR_IN" in /* | "") ;; *) LIBDIR_IN=$(pwd)/$LIBDIR_IN ;; esac
cd "$(dirname "$0")/.."
if [ -z "$LIBDIR_IN" ]; then
    cargo build --release --lib
    LIBDIR_IN=target/release
fi
for f in libboltc.so libboltc.a; do
    [ -f "$LIBDIR_IN/$f" ] || { echo "install-c.sh: $LIBDIR_IN/$f is missing (build it first)" >&2; exit 1; }
done
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
install -d "$PREFIX/include" "$PREFIX/lib/pkgconfig"
install -m 644 include/boltc.h bindings/cpp/include/boltc.hpp "$PREFIX/include/"
install -m 644 "$LIBDIR_IN/libboltc.a" "$PREFIX/lib/"
install -m 755 "$LIBDIR_IN/libboltc.so" "$PREFIX/lib/"
if [ "$STRIP" = 1 ]; then
    strip --strip-debug "$PREFIX/lib/libboltc.a" "$PREFIX/lib/libboltc.so"
fi
for pc in boltc boltc-static; do
    sed -e "s|@PREFIX@|$PREFIX|" -e "s|@VERSION@|$VERSION|" "$pc.pc.in" > "$PREFIX/lib/pkgconfig/$pc.pc"
done
echo "installed boltc $VERSION under $PREFIX"
