import CLRuntime
import Foundation

/// The engine's environment overrides, read once at the edge (the CLI, the bench) and passed
/// down: nothing below reads the environment for them.
///
/// `STYLIZE_GPU_CONV` = direct | winograd | im2col, `STYLIZE_GPU_GEMM` = packed | clblast,
/// `STYLIZE_GPU_GEMM_TUNING` = off | cached | search. Unset means the device's default.
public struct EngineConfiguration: Sendable, Equatable {
    public var convolution: ConvolutionAlgorithm?
    public var gemm: GEMMBackend?
    public var gemmTuning: GEMMTuning.Mode?

    public init(convolution: ConvolutionAlgorithm? = nil, gemm: GEMMBackend? = nil, gemmTuning: GEMMTuning.Mode? = nil) {
        self.convolution = convolution
        self.gemm = gemm
        self.gemmTuning = gemmTuning
    }

    /// An override that names no known value.
    public struct InvalidOverride: Error, CustomStringConvertible, Equatable {
        public let variable: String
        public let value: String
        public let allowed: [String]
        public var description: String {
            "\(variable)=\(value) is not one of \(allowed.joined(separator: ", "))"
        }
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> EngineConfiguration
    {
        func read<T: RawRepresentable & CaseIterable>(_ variable: String, _: T.Type) throws -> T? where T.RawValue == String {
            guard let value = environment[variable], !value.isEmpty else { return nil }
            guard let parsed = T(rawValue: value) else {
                throw InvalidOverride(variable: variable, value: value, allowed: T.allCases.map(\.rawValue))
            }
            return parsed
        }
        return EngineConfiguration(
            convolution: try read("STYLIZE_GPU_CONV", ConvolutionAlgorithm.self),
            gemm: try read("STYLIZE_GPU_GEMM", GEMMBackend.self),
            gemmTuning: try read("STYLIZE_GPU_GEMM_TUNING", GEMMTuning.Mode.self))
    }

    /// The convolution algorithm on this device: the override, else direct on CPUs and
    /// Winograd elsewhere.
    public func convolution(for info: DeviceInfo) -> ConvolutionAlgorithm {
        convolution ?? (info.isCPU ? .direct : .winograd)
    }

    /// The convolution algorithm of a training run's VGG loss: the override, else Winograd
    /// F(4×4, 3×3) on CPUs (its forward and backward to the input are the step's largest
    /// share; README, bench/fast-models) and Winograd elsewhere.
    public func trainingConvolution(for info: DeviceInfo) -> ConvolutionAlgorithm {
        convolution ?? (info.isCPU ? .winogradF4 : .winograd)
    }

    /// The GEMM under im2col and Winograd: the override, else the engine's packed kernel on
    /// CPUs and CLBlast elsewhere.
    public func gemm(for info: DeviceInfo) -> GEMMBackend {
        gemm ?? (info.isCPU ? .packed : .clblast)
    }
}
