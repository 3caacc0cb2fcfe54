/// Which GEMM multiplies the convolutions' matrices (`EngineConfiguration` picks it per device).
public enum GEMMBackend: String, Sendable, Codable, CaseIterable {
    /// CLBlast's SGEMM: tuned for GPUs, and what every non-CPU device gets.
    case clblast
    /// kernels/gemm.cl: register-blocked for CPUs, where it runs ~1.6× CLBlast's best tiling
    /// (PoCL, VGG19's shapes: 165–180 against 100–110 GFLOP/s).
    case packed
}
