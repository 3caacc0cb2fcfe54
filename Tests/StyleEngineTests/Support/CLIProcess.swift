import Foundation
import XCTest

/// Runs the built `stylize-gpu` binary (beside the test bundle) and captures what it says.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
    /// Whether the process outlived its timeout and was killed (the test has failed then).
    var timedOut = false
}

/// A started `stylize-gpu` process under a watchdog: past its timeout it is killed with
/// SIGKILL and the test fails with its command line, so a hang costs the timeout, not the run.
final class CLIProcess: @unchecked Sendable {
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()
    let commandLine: String
    private let lock = NSLock()
    private var killedByWatchdog = false
    private var watchdog: DispatchWorkItem?

    init(
        _ arguments: [String], environment: [String: String] = [:], removingEnvironment: [String] = [],
        timeout: TimeInterval, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        self.timeout = timeout
        self.file = file
        self.line = line
        process.executableURL = CLI.executable
        process.arguments = arguments
        commandLine = ([CLI.executable.path] + arguments).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        var env = ProcessInfo.processInfo.environment
        env["STYLIZE_GPU_GEMM_TUNING"] = env["STYLIZE_GPU_GEMM_TUNING"] ?? "cached"
        for (key, value) in environment { env[key] = value }
        for key in removingEnvironment { env.removeValue(forKey: key) }
        process.environment = env
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let pid = process.processIdentifier
        let item = DispatchWorkItem { [self] in
            lock.withLock { killedByWatchdog = true }
            kill(pid, SIGKILL)
        }
        watchdog = item
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: item)
    }

    private let timeout: TimeInterval
    private let file: StaticString
    private let line: UInt

    var timedOut: Bool { lock.withLock { killedByWatchdog } }

    /// Waits for the exit; a process the watchdog killed fails the test, naming the command.
    func wait() {
        process.waitUntilExit()
        watchdog?.cancel()
        if timedOut {
            XCTFail(
                "timed out after \(Int(timeout)) s and was killed: \(commandLine)", file: file, line: line)
        }
    }
}

enum CLI {
    /// How long a test lets one process run unless it says otherwise.
    static let defaultTimeout: TimeInterval = 60
    /// The timeout of the test running now: its class's `processTimeout` (`CLITestCase`).
    nonisolated(unsafe) static var currentTimeout = defaultTimeout

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "stylize-gpu")
    }

    static var samples: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../../samples").standardized
    }

    static func sample(_ name: String) -> String { samples.appending(path: name).path }

    /// A fresh temporary directory for one test's files.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "stylize-gpu-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @discardableResult
    static func run(
        _ arguments: [String], environment: [String: String] = [:], removingEnvironment: [String] = [],
        interruptAfter: String? = nil, signal: Int32 = SIGINT, timeout: TimeInterval? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> CLIResult {
        let running = try CLIProcess(
            arguments, environment: environment, removingEnvironment: removingEnvironment,
            timeout: timeout ?? currentTimeout, file: file, line: line)
        let err = running.stderr
        let errorData: Data
        if let interruptAfter {
            // Reads stderr until the marker shows, then sends the signal (SIGINT: as Ctrl-C would).
            var collected = Data()
            while !String(decoding: collected, as: UTF8.self).contains(interruptAfter) {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                collected.append(chunk)
            }
            kill(running.process.processIdentifier, signal)
            collected.append(err.fileHandleForReading.readDataToEndOfFile())
            errorData = collected
        } else {
            errorData = err.fileHandleForReading.readDataToEndOfFile()
        }
        let outputData = running.stdout.fileHandleForReading.readDataToEndOfFile()
        running.wait()
        return CLIResult(
            status: running.process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self), timedOut: running.timedOut)
    }
}
