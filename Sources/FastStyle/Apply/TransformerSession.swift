import CLRuntime
import StyleEngine

/// A device's runtime for transform networks, made once and reused by every apply: the
/// context (under an optional memory limit), the kernels in one storage precision, and the
/// networks uploaded so far, by model (a model is uploaded once however many images use it).
///
/// Used by one job at a time (its queue and networks are shared).
public final class TransformerSession: @unchecked Sendable {
    public let computeDevice: ComputeDevice
    public let library: KernelLibrary
    private var networks: [String: TransformerNetwork] = [:]

    public var precision: Precision { library.precision }

    public init(device: Device, precision: Precision = .fp32, memoryLimit: Int? = nil) throws {
        computeDevice = try ComputeDevice(device: device, memoryLimit: memoryLimit)
        library = KernelLibrary(gpu: computeDevice, precision: precision)
    }

    /// The network of `model` on the device, uploaded on first use; `key` names the model
    /// among this session's (its file's content hash, say).
    public func network(for model: TransformerModel, key: String) throws -> TransformerNetwork {
        if let network = networks[key] { return network }
        let network = try TransformerNetwork(
            library: library, weights: model.tensors.mapValues(\.values), styles: model.styleCount)
        networks[key] = network
        return network
    }

    /// Device memory the session's buffers hold now, and the most they held at once.
    public var allocatedBytes: Int { computeDevice.context.allocatedBytes }
    public var peakAllocatedBytes: Int { computeDevice.context.peakAllocatedBytes }
}
