// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "MQL",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "MQL", targets: ["MQL"]),
        .executable(name: "mql", targets: ["Repl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .target(
            name: "Engine",
            dependencies: [.product(name: "Collections", package: "swift-collections")]
        ),
        .target(
            name: "MQL",
            dependencies: ["Engine", .product(name: "Collections", package: "swift-collections")]
        ),
        // Office Open XML workbooks (.xlsx): knows nothing of MQL or the engine.
        .target(
            name: "Workbook",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
        .systemLibrary(
            name: "CReadline",
            path: "Sources/CReadline",
            providers: [.apt(["libreadline-dev"])]
        ),
        .executableTarget(
            name: "Repl",
            dependencies: [
                "Engine", "MQL", "CReadline", "Workbook",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The release `mql` carries the Swift runtime and Foundation in itself: loading
            // and relocating them as shared libraries was half of every process's start
            // (docs/performance.md, "The start of a process"). Compiling with the flag too
            // makes the objects name the static libraries' own dependencies. Linked at a
            // fixed address (not position-independent), the loader has 12k relocations to
            // apply instead of 96k (each pointer of the Swift metadata), 2 ms of a process;
            // the shared libraries it still loads are placed at random as ever. Debug builds
            // and tests keep the shared libraries (XCTest links them).
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))],
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-Xclang-linker", "-no-pie"], .when(platforms: [.linux], configuration: .release))]
        ),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "MQLTests", dependencies: ["MQL", "Engine"], resources: [.copy("Golden")]),
        .testTarget(name: "ReplTests", dependencies: ["Repl", "Workbook"]),
        .testTarget(name: "WorkbookTests", dependencies: ["Workbook", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
    ]
)
