import CLRuntime
import StyleEngine

/// Named float tensors in one flat device buffer (and, for training, their gradients in a
/// second buffer of the same layout), so that one `DeviceAdam` over `values` with
/// `gradients` steps every weight at once. Slices are views: nothing is copied.
public final class ParameterTable: @unchecked Sendable {
    /// The tensors in layout order: name and value count.
    public let entries: [(name: String, count: Int)]
    /// Each tensor's first index in the flat buffers.
    public let offsets: [String: Int]
    /// All values, `count` floats.
    public let values: Buffer<Float>
    /// Their gradients (same layout), made by `makeGradients`; backward passes ADD into them.
    public private(set) var gradients: Buffer<Float>?
    let library: KernelLibrary

    public var count: Int { values.count }

    /// Uploads `tensors[name]` for every entry, in the entries' order; a missing tensor or one
    /// of another size throws `FastStyleError.parameter`.
    public init(library: KernelLibrary, entries: [(name: String, count: Int)], tensors: [String: [Float]]) throws {
        var offsets: [String: Int] = [:]
        var flat: [Float] = []
        flat.reserveCapacity(entries.reduce(0) { $0 + $1.count })
        for (name, count) in entries {
            guard let values = tensors[name] else { throw FastStyleError.parameter("no tensor named \(name)") }
            guard values.count == count else {
                throw FastStyleError.parameter("\(name) holds \(values.count) values, \(count) expected")
            }
            precondition(offsets[name] == nil, "\(name) listed twice")
            offsets[name] = flat.count
            flat += values
        }
        self.library = library
        self.entries = entries
        self.offsets = offsets
        values = try library.gpu.buffer(flat)
    }

    func count(of name: String) -> Int {
        guard let entry = entries.first(where: { $0.name == name }) else { preconditionFailure("no tensor \(name)") }
        return entry.count
    }

    /// The values of tensor `name`.
    public func slice(_ name: String) -> ParameterSlice {
        guard let offset = offsets[name] else { preconditionFailure("no tensor named \(name)") }
        return ParameterSlice(values, offset: offset, count: count(of: name))
    }

    /// The gradient of tensor `name` (after `makeGradients`).
    public func gradient(_ name: String) -> ParameterSlice {
        guard let offset = offsets[name], let gradients else { preconditionFailure("no gradient of \(name)") }
        return ParameterSlice(gradients, offset: offset, count: count(of: name))
    }

    /// Allocates the gradients (once) and sets them to zero.
    public func makeGradients() throws {
        if gradients == nil { gradients = try library.gpu.buffer(Float.self, count: count) }
        try zeroGradients()
    }

    /// Sets every gradient to zero (before a batch: backward passes add).
    public func zeroGradients() throws {
        try gradients?.fill(0, queue: library.queue)
    }

    /// Every tensor on the host, by name (to save a trained model).
    public func download() throws -> [String: [Float]] {
        let flat = try values.download(queue: library.queue)
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.name, Array(flat[offsets[$0.name]!..<(offsets[$0.name]! + $0.count)])) })
    }

    /// Every gradient on the host, by name (tests and diagnostics).
    public func downloadGradients() throws -> [String: [Float]] {
        guard let gradients else { return [:] }
        let flat = try gradients.download(queue: library.queue)
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.name, Array(flat[offsets[$0.name]!..<(offsets[$0.name]! + $0.count)])) })
    }
}
