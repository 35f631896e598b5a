import ArgumentParser
import Config
import Daemon
import Logging
import Rules
import Systemd
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `sealwatch` command line: parses arguments and hands over to `Daemon`; contains no logic.
@main
enum Main {
    static func main() async {
        MemoryTuning.limitArenas()  // before other threads allocate
        MemoryTuning.disableCoreDumps()  // secrets are read into memory from here on
        await Sealwatch.main()
    }
}

struct Sealwatch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sealwatch",
        abstract: "Health monitor for Vault and OpenBao Raft clusters.",
        version: SealwatchVersion.current,
        subcommands: [Run.self, Check.self, ConfigCommand.self, NotifyCommand.self, BenchCommand.self])
}

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Configuration file.")
    var config: String = "/etc/sealwatch/sealwatch.yml"

    func load() throws(ExitCode) -> SealwatchConfig {
        do { return try DaemonRunner.loadConfig(config, environment: ProcessInfo.processInfo.environment) } catch {
            ConsoleOutput.write("sealwatch: invalid configuration \(error.description)\n", to: 2)
            throw ExitCode(SealwatchExit.config)
        }
    }
}

extension Sealwatch {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the monitor daemon (systemd Type=notify).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "State directory (default: global.state_dir, $STATE_DIRECTORY or /var/lib/sealwatch).")
        var stateDir: String?
        @Option(help: "Listen address for /metrics and the status page, overriding listen.address.")
        var listen: String?

        func run() async throws {
            let config = try options.load()
            LogSetup.bootstrap(level: Logger.Level(rawValue: config.global.logLevel) ?? .info,
                               environment: ProcessInfo.processInfo.environment)
            let logger = Logger(label: "sealwatch")
            let daemonOptions = DaemonOptions(configPath: options.config, stateDir: stateDir, listenAddress: listen)
            let code = await DaemonRunner(options: daemonOptions, logger: logger).run(config: config, makeSink: Notifications.make(logger: logger))
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Probe every node once and print the verdict.",
            discussion: "Exit codes: 0 ok, 1 warning, 2 critical, 3 unknown (Nagios); 78 invalid configuration.")
        @OptionGroup var options: GlobalOptions
        @Option(name: .shortAndLong, help: "table or json.")
        var output: CheckRunner.Output = .table

        func run() async throws {
            let config = try options.load()
            LogSetup.bootstrap(level: .warning, environment: [:])
            let (text, code) = await CheckRunner.run(config: config, environment: ProcessInfo.processInfo.environment, output: output,
                                                     color: isatty(STDOUT_FILENO) == 1, logger: Logger(label: "sealwatch"))
            ConsoleOutput.write(text, to: 1)
            throw ExitCode(code)
        }
    }

    struct ConfigCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "config", abstract: "Configuration tools.", subcommands: [CheckConfig.self])
        struct CheckConfig: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate the configuration and exit (78 if invalid).")
            @OptionGroup var options: GlobalOptions
            func run() async throws {
                let c = try options.load()
                // Route coverage: warnings only (exit 0), on stderr like the errors.
                let catalogue = RuleCatalog.resolve([:]).map {
                    RouteCoverage.Rule(alertname: $0.name, defaultSeverity: $0.severity, enabledByDefault: $0.enabled)
                }
                for w in RouteCoverage.warnings(config: c, rules: catalogue) { ConsoleOutput.write("warning: \(w)\n", to: 2) }
                let nodes = c.clusters.reduce(0) { $0 + $1.nodes.count }
                print("\(options.config): OK — \(c.clusters.count) cluster(s), \(nodes) node(s), \(c.receivers.count) receiver(s), \(c.routes.count) route(s)")
            }
        }
    }

    struct NotifyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "notify", abstract: "Notification tools.", subcommands: [TestNotify.self])
        struct TestNotify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "test", abstract: "Send a test alert and its resolve to each receiver.")
            @OptionGroup var options: GlobalOptions
            @Option(help: "Only this receiver.")
            var receiver: String?
            func run() async throws {
                let config = try options.load()
                LogSetup.bootstrap(level: .warning, environment: [:])
                let code = await Notifications.test(config: config, receiver: receiver, logger: Logger(label: "sealwatch"))
                throw ExitCode(code)
            }
        }
    }
}

extension Sealwatch {
    struct BenchCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks that print numbers.",
                                                        subcommands: [ProbeBench.self])
        struct ProbeBench: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "probe", abstract: "Time full poll cycles against the configured clusters.")
            @OptionGroup var options: GlobalOptions
            @Option(help: "Measured cycles.") var cycles: Int = 200
            @Option(help: "Warm-up cycles (open connections).") var warmup: Int = 5
            func run() async throws {
                let config = try options.load()
                LogSetup.bootstrap(level: .error, environment: [:])
                print(await Bench.probeCycles(config: config, cycles: cycles, warmup: warmup, logger: Logger(label: "bench")))
            }
        }
    }
}

extension CheckRunner.Output: ExpressibleByArgument {}

