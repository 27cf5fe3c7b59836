// swift-tools-version:5.9
// papay for iOS and macOS: the uniffi-generated Swift API (target Papay) over the Rust library
// packaged as an XCFramework (binary target PapayFFI).
//
// Both are build outputs: run mobile/scripts/build-xcframework.sh on macOS first. It writes
// Sources/Papay/Papay.swift and PapayFFI.xcframework next to this file.
import PackageDescription

let package = Package(
    name: "Papay",
    // Swift concurrency (async methods of Client) needs iOS 13 / macOS 10.15.
    platforms: [.iOS(.v13), .macOS(.v10_15)],
    products: [
        .library(name: "Papay", targets: ["Papay"]),
    ],
    targets: [
        .binaryTarget(name: "PapayFFI", path: "PapayFFI.xcframework"),
        .target(name: "Papay", dependencies: ["PapayFFI"], path: "Sources/Papay"),
    ]
)
