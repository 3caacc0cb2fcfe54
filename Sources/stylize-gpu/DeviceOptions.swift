import ArgumentParser
import Foundation

/// The options every command that touches a device shares.
struct DeviceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Index of the OpenCL device to use, as `stylize-gpu devices` lists them; several, like 0,1, spread a stylization's tiles over them (other commands use the first).",
            valueName: "index[,index…]"))
    var device: String?

    /// The devices named, in order (empty: none named).
    var indices: [Int] { device.flatMap(Self.parse) ?? [] }
    /// The first device named, else 0.
    var primary: Int { indices.first ?? 0 }

    static func parse(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        return parts.map { $0! }
    }

    func validate() throws {
        guard let device else { return }
        guard let indices = Self.parse(device) else {
            throw InputError("--device takes a device index or a list like 0,1 (0 or more), not \(device)")
        }
        if Set(indices).count != indices.count { throw InputError("--device names a device twice: \(device)") }
    }
}
