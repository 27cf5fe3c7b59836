#!/usr/bin/env bash
# Builds PapayFFI.xcframework (static libraries for iOS devices, the iOS simulator and macOS)
# and generates Sources/Papay/Papay.swift, so mobile/swift/Package.swift can be built and
# published. macOS only: it needs Xcode (xcodebuild, lipo) and the Rust targets below.
#
# NOTE: not run on the project's Linux machines, which have no Swift or Xcode toolchain;
# mobile/scripts/generate-swift.sh checks the Swift generation there.
#
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios \
#       aarch64-apple-darwin x86_64-apple-darwin
#   mobile/scripts/build-xcframework.sh            # release build
#   PROFILE=debug mobile/scripts/build-xcframework.sh
set -euo pipefail

if [ "$(uname -s)" != "Darwin" ]; then
    echo "build-xcframework.sh needs macOS with Xcode; on Linux run mobile/scripts/generate-swift.sh" >&2
    exit 1
fi

root="$(cd "$(dirname "$0")/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
profile="${PROFILE:-release}"
swift_dir="$root/mobile/swift"
work="$target_dir/xcframework"
cd "$root"

profile_flag=()
if [ "$profile" = "release" ]; then
    profile_flag=(--release)
fi

targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
for target in "${targets[@]}"; do
    echo "cargo build -p papay-uniffi --target $target ($profile)"
    CARGO_TARGET_DIR="$target_dir" cargo build -p papay-uniffi --lib --target "$target" "${profile_flag[@]}"
done

lib() { echo "$target_dir/$1/$profile/libpapay_uniffi.a"; }

rm -rf "$work"
mkdir -p "$work/ios" "$work/ios-simulator" "$work/macos" "$work/headers" "$work/generated"

# One library per platform: the simulator and macOS slices combine two architectures each.
cp "$(lib aarch64-apple-ios)" "$work/ios/libpapay_uniffi.a"
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$work/ios-simulator/libpapay_uniffi.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$work/macos/libpapay_uniffi.a"

# The generator reads the interface from the library's metadata; any slice will do.
CARGO_TARGET_DIR="$target_dir" cargo run --quiet -p papay-uniffi-bindgen -- \
    generate --library "$(lib aarch64-apple-darwin)" --language swift --out-dir "$work/generated"
cp "$work/generated/papayFFI.h" "$work/headers/papayFFI.h"
cp "$work/generated/papayFFI.modulemap" "$work/headers/module.modulemap"

rm -rf "$swift_dir/PapayFFI.xcframework"
xcodebuild -create-xcframework \
    -library "$work/ios/libpapay_uniffi.a" -headers "$work/headers" \
    -library "$work/ios-simulator/libpapay_uniffi.a" -headers "$work/headers" \
    -library "$work/macos/libpapay_uniffi.a" -headers "$work/headers" \
    -output "$swift_dir/PapayFFI.xcframework"

mkdir -p "$swift_dir/Sources/Papay"
cp "$work/generated/Papay.swift" "$swift_dir/Sources/Papay/Papay.swift"

echo "built $swift_dir/PapayFFI.xcframework and $swift_dir/Sources/Papay/Papay.swift; next: (cd mobile/swift && swift build)"
