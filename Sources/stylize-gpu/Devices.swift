import ArgumentParser
import CLRuntime
import Foundation
import StyleEngine

/// `stylize-gpu devices`: what OpenCL devices there are, and their numbers for `--device`.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the OpenCL devices and the index `--device` takes.")

    @OptionGroup var deviceOptions: DeviceOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        var devices = try DeviceInventory.allDevices().map(\.info)
        if !deviceOptions.indices.isEmpty {
            devices = try deviceOptions.indices.map { try DeviceInventory.device(at: $0).info }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(devices), as: UTF8.self))
            return
        }
        let rows = devices.map { info in
            [
                "\(info.index)", info.platformName, info.name, info.type,
                String(format: "%.1f GiB", Double(info.globalMemoryBytes) / 1_073_741_824),
                "\(info.computeUnits)", info.hasHalfArithmetic ? "yes" : "no",
            ]
        }
        printTable(header: ["index", "platform", "name", "type", "memory", "compute units", "fp16"], rows: rows)
    }
}
