#!/bin/sh
# Builds the C library in release mode and installs header, libraries and boltc.pc under
# PREFIX (default /usr/local):  PREFIX=$HOME/.local scripts/install-c.sh
set -eu
PREFIX=${PREFIX:-/usr/local}
cd "$(dirname "$0")/.."
cargo build --release
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
install -d "$PREFIX/include" "$PREFIX/lib/pkgconfig"
install -m 644 include/boltc.h bindings/cpp/include/boltc.hpp "$PREFIX/include/"
install -m 644 target/release/libboltc.a "$PREFIX/lib/"
install -m 755 target/release/libboltc.so "$PREFIX/lib/"
sed -e "s|@PREFIX@|$PREFIX|" -e "s|@VERSION@|$VERSION|" boltc.pc.in > "$PREFIX/lib/pkgconfig/boltc.pc"
echo "installed boltc $VERSION under $PREFIX"
