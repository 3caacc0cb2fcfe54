import Foundation
import XCTest

/// Runs the built `stylize-gpu` binary (beside the test bundle) and captures what it says.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum CLI {
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
        interruptAfter: String? = nil, signal: Int32 = SIGINT
    ) throws -> CLIResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["STYLIZE_GPU_GEMM_TUNING"] = env["STYLIZE_GPU_GEMM_TUNING"] ?? "cached"
        for (key, value) in environment { env[key] = value }
        for key in removingEnvironment { env.removeValue(forKey: key) }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errorData: Data
        if let interruptAfter {
            // Reads stderr until the marker shows, then sends the signal (SIGINT: as Ctrl-C would).
            var collected = Data()
            while !String(decoding: collected, as: UTF8.self).contains(interruptAfter) {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                collected.append(chunk)
            }
            kill(process.processIdentifier, signal)
            collected.append(err.fileHandleForReading.readDataToEndOfFile())
            errorData = collected
        } else {
            errorData = err.fileHandleForReading.readDataToEndOfFile()
        }
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIResult(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }
}
