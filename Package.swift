// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mr5-backup",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mr5-backup", targets: ["mr5-backup"]),
        .library(name: "BackupEngine", targets: ["BackupEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Thin C modules: module maps plus shims for what Swift cannot import from macros.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CNCurses", path: "Sources/CNCurses"),
        // Linux system calls Swift cannot make directly (I/O priority, sync_file_range).
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),

        // The engine and the scheduler: pure Swift over SQLite, no terminal code.
        .target(
            name: "BackupEngine",
            dependencies: [
                "CSQLite", "CSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The demo shop: a believable POS database and history, built through the engine.
        // Its own library so the engine ships no demo code.
        .target(name: "DemoShop", dependencies: ["BackupEngine"]),
        // The curses console: a pure view model plus a thin curses layer.
        .target(name: "Console", dependencies: ["BackupEngine", "CNCurses"]),
        // The command line: parse, call the engine or the console, print, exit.
        .executableTarget(
            name: "mr5-backup",
            dependencies: [
                "BackupEngine", "Console", "DemoShop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A stand-in for the POS app: writes orders continuously, keeping an invariant
        // the tests and the benchmark check in every backup.
        .executableTarget(name: "mr5-pos-sim", dependencies: ["CSQLite", "DemoShop"]),
        // The benchmark (a program, not a test): mr5-backup against sqlite3, VACUUM INTO and cp.
        .executableTarget(name: "mr5-backup-bench", dependencies: []),

        // What every test target shares: scratch folders, the built programs, child
        // processes with time-outs, sqlite3, a small data dir.
        .target(name: "TestSupport", dependencies: ["BackupEngine"], path: "Tests/TestSupport"),
        .testTarget(name: "BackupEngineTests", dependencies: ["BackupEngine", "CSystem", "DemoShop", "TestSupport"]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "BackupEngine", "DemoShop", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["BackupEngine", "DemoShop", "TestSupport"]),
    ]
)
