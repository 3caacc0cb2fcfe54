import CLRuntime

/// The engine on one device, made once per process and shared by every run, size and image:
/// the device's context and queue, the compiled kernels, VGG19 with its weights uploaded once,
/// and the device scalars the objectives and optimizers reserve slots in.
///
/// A session is used by one run at a time (its queue and scalars are shared).
public final class EngineSession: @unchecked Sendable {
    public let computeDevice: ComputeDevice
    public let library: KernelLibrary
    public let network: VGG19Network
    public let scalars: DeviceScalars

    public var info: DeviceInfo { computeDevice.info }
    public var precision: Precision { library.precision }
    public var pooling: Pooling { network.pooling }

    /// Sets up `device`: CLBlast's GEMM tuning where CLBlast multiplies, the kernels for
    /// `precision`, and `weights`' layers on the device. `memoryLimit` caps every byte the
    /// session's buffers take (nil: only the device's memory).
    public convenience init(
        device: Device, weights: VGG19Weights, precision: Precision = .fp32, pooling: Pooling = .max,
        configuration: EngineConfiguration = EngineConfiguration(), memoryLimit: Int? = nil,
        log: (String) -> Void = { _ in }
    ) throws {
        let computeDevice = try ComputeDevice(device: device, memoryLimit: memoryLimit)
        let gemm = configuration.gemm(for: device.info)
        // Only CLBlast needs tuning; CPU devices multiply with the engine's own kernels.
        if gemm == .clblast {
            try GEMMTuning.prepare(gpu: computeDevice, mode: configuration.gemmTuning ?? .search, log: log)
        }
        let library = KernelLibrary(
            gpu: computeDevice, precision: precision, convolution: configuration.convolution(for: device.info), gemm: gemm)
        try self.init(library: library, network: VGG19Loader.network(library: library, weights: weights, pooling: pooling))
    }

    /// A session over a library and network already on the device (tests, small networks).
    public init(library: KernelLibrary, network: VGG19Network) throws {
        precondition(network.library === library, "the network must live in the session's library")
        self.computeDevice = library.gpu
        self.library = library
        self.network = network
        self.scalars = try DeviceScalars(library: library)
    }

    /// Bytes the session's runs may plan for: the device's memory, or less under `memoryLimit`.
    public var memoryBudget: Int { computeDevice.memoryBudget }

    /// The memory estimates of this session's network for runs with `optimizer`.
    public func memoryPlan(optimizer: OptimizerSettings) -> MemoryPlan {
        MemoryPlan(
            convolutionCount: network.convolutions.count, optimizer: optimizer.kind,
            historySize: optimizer.historySize, precision: precision, convolution: library.convolution,
            channels: network.convolutions.map(\.outChannels))
    }

    /// Device memory the session's buffers hold now, and the most they held at once.
    public var allocatedBytes: Int { computeDevice.context.allocatedBytes }
    public var peakAllocatedBytes: Int { computeDevice.context.peakAllocatedBytes }
}
