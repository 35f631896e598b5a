// swift-tools-version:6.0
import PackageDescription

// Every Swift target gets the same strict settings (as apple/swift-log does).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

func lib(_ name: String, _ deps: [Target.Dependency] = [], exclude: [String] = []) -> Target {
    .target(name: name, dependencies: deps, exclude: exclude, swiftSettings: strict)
}
func tests(_ name: String, _ deps: [Target.Dependency], exclude: [String] = [], resources: [Resource]? = nil) -> Target {
    .testTarget(name: name, dependencies: deps, exclude: exclude, resources: resources, swiftSettings: strict)
}

let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let yams: Target.Dependency = .product(name: "Yams", package: "Yams")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "sealwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sealwatch", targets: ["sealwatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Checked conversions of numbers from outside (no trap on a hostile value); no dependencies.
        lib("Checked"),

        // Pure core: values and verdicts, no I/O.
        lib("ClusterModel", ["Checked"]),
        lib("Rules", ["ClusterModel", "Checked"]),
        // YAML through libyaml (C, no Foundation); Config builds its tree from the parser's events.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        lib("Config", ["ClusterModel", "Checked", "CYAML"]),

        // HTTP client: the protocol, and libcurl behind it.
        lib("HTTPTransport"),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        lib("CurlTransport", ["HTTPTransport", "CCurl", "Checked", log]),

        // Adapters.
        // A node's Prometheus telemetry: a small fuzzed text parser and the curated families.
        lib("Telemetry", ["ClusterModel", "Checked"]),
        lib("Probing", ["ClusterModel", "Config", "HTTPTransport", "Telemetry", "Checked", log]),
        lib("StateStore", ["ClusterModel", "Checked", log]),
        lib("Notify", ["ClusterModel", "Config", "HTTPTransport", "StateStore", "Checked", log]),
        .systemLibrary(name: "CLinux"),
        lib("MetricsServer", ["CLinux", "Checked", log]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        lib("Systemd", ["CSystemd", "CLinux", log]),

        // Composition root and the thin executable.
        lib("Daemon", [
            "ClusterModel", "Rules", "Config", "HTTPTransport", "CurlTransport", "Probing",
            "StateStore", "Notify", "MetricsServer", "Systemd", "CLinux", "Checked", log, prometheus,
        ]),
        .executableTarget(name: "sealwatch", dependencies: ["Daemon", "Config", "Rules", "Systemd", argumentParser, log], swiftSettings: strict),

        // Test kit: loopback servers and builders shared by the test targets.
        lib("TestSupport", ["ClusterModel", "HTTPTransport", "CLinux"]),

        tests("CheckedTests", ["Checked"]),
        tests("RulesTests", ["Rules", "ClusterModel", "TestSupport", "Probing"],   // Probing: recorded bodies through the real decoders
              resources: [.copy("Fixtures")]),
        tests("ConfigTests", ["Config", yams], resources: [.copy("testdata")]),   // Yams: differential tests only
        tests("ProbingTests", ["Probing", "ClusterModel", "Config", "HTTPTransport", "CurlTransport", "TestSupport"],
              resources: [.copy("Fixtures")]),
        tests("TelemetryTests", ["Telemetry", "ClusterModel"], resources: [.copy("Fixtures")]),
        tests("CurlTransportTests", ["CurlTransport", "HTTPTransport", "TestSupport"]),
        tests("MetricsServerTests", ["MetricsServer", "CLinux"]),
        tests("SystemdTests", ["Systemd", "CLinux"]),
        tests("StateStoreTests", ["StateStore", "ClusterModel"]),
        tests("NotifyTests", ["Notify", "ClusterModel", "Config", "HTTPTransport", "CurlTransport", "StateStore", "TestSupport"],
              resources: [.copy("Golden")]),
        tests("DaemonTests", ["Daemon", "ClusterModel", "Config", "TestSupport", "HTTPTransport"], exclude: ["Golden"]),  // read from the source tree
        tests("IntegrationTests", ["Daemon", "ClusterModel", "Config", "TestSupport", "HTTPTransport", "CurlTransport"]),
    ],
    swiftLanguageModes: [.v6]
)
