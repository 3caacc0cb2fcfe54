import CLRuntime
import Foundation
import Kernels

/// The engine's kernels on one device, each built once with the engine's tunables.
public final class KernelLibrary: @unchecked Sendable {
    public let gpu: ComputeDevice
    /// Work-group size and group count of the two-pass reductions (reduce.cl).
    public let reduceLocal: Int
    public let reduceGroups: Int
    /// How activations and weights are stored (`-DSTORAGE_HALF` for fp16).
    public let precision: Precision
    /// How 3×3 convolutions with enough channels are computed.
    public let convolution: ConvolutionAlgorithm

    public init(
        gpu: ComputeDevice, precision: Precision = .fp32, convolution: ConvolutionAlgorithm = .fromEnvironment,
        reduceLocal: Int = 64, reduceGroups: Int = 64
    ) {
        self.gpu = gpu
        self.precision = precision
        self.convolution = convolution
        self.reduceLocal = reduceLocal
        self.reduceGroups = reduceGroups
    }

    var buildOptions: String {
        "-DREDUCE_LOCAL=\(reduceLocal) -DREDUCE_GROUPS=\(reduceGroups)" + (precision == .fp16 ? " -DSTORAGE_HALF=1" : "")
    }

    /// Kernels already looked up, so the optimization loop neither rebuilds nor re-hashes a
    /// program's source for each launch.
    private var kernels: [String: Kernel] = [:]

    public func kernel(_ family: String, _ name: String) throws -> Kernel {
        let key = family + "/" + name
        if let kernel = kernels[key] { return kernel }
        let kernel = try gpu.kernel(name, source: KernelSources.programSource(of: family), options: buildOptions)
        kernels[key] = kernel
        return kernel
    }

    public var queue: CommandQueue { gpu.queue }

    /// The global size of a reduction kernel: REDUCE_GROUPS groups of REDUCE_LOCAL items.
    var reductionGlobal: [Int] { [reduceLocal * reduceGroups] }
    var reductionLocal: [Int] { [reduceLocal] }
}

/// im2col + one GEMM, or Winograd F(2×2, 3×3) + 16 GEMMs (2.25× fewer multiplies).
public enum ConvolutionAlgorithm: String, Sendable, Codable, CaseIterable {
    case im2col, winograd

    /// `STYLIZE_GPU_CONV` = im2col or winograd (the default).
    public static var fromEnvironment: ConvolutionAlgorithm {
        ProcessInfo.processInfo.environment["STYLIZE_GPU_CONV"].flatMap(Self.init(rawValue:)) ?? .winograd
    }
}
