#!/usr/bin/env bash
# Generates the Swift sources of papay (Papay.swift, papayFFI.h, papayFFI.modulemap) from the
# debug build of libpapay_uniffi, without compiling them. It runs on Linux, so uniffi's Swift
# generation errors show up in CI; mobile/scripts/build-xcframework.sh does the full macOS build.
#
# Usage: mobile/scripts/generate-swift.sh [OUT_DIR]   (default: $CARGO_TARGET_DIR/swift-generated)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
out_dir="${1:-$target_dir/swift-generated}"

case "$(uname -s)" in
    Darwin) library="$target_dir/debug/libpapay_uniffi.dylib" ;;
    *) library="$target_dir/debug/libpapay_uniffi.so" ;;
esac

cd "$root"
# The same package set as mobile/run-tests.sh and the Maven build, so Cargo resolves the same
# features and reuses their build instead of compiling uniffi again.
CARGO_TARGET_DIR="$target_dir" cargo build --quiet -p papay-uniffi -p papay-uniffi-bindgen -p papay-cli

rm -rf "$out_dir"
"$target_dir/debug/uniffi-bindgen" generate --library "$library" --language swift --no-format --out-dir "$out_dir"

for file in Papay.swift papayFFI.h papayFFI.modulemap; do
    if [ ! -s "$out_dir/$file" ]; then
        echo "generate-swift.sh: uniffi-bindgen wrote no $out_dir/$file" >&2
        exit 1
    fi
done
echo "Swift sources generated in $out_dir (not compiled: no Swift toolchain on Linux)"
