/// How 3×3 convolutions are computed (`EngineConfiguration` picks it per device).
public enum ConvolutionAlgorithm: String, Sendable, Codable, CaseIterable {
    /// im2col + one GEMM per band of rows.
    case im2col
    /// Winograd F(2×2, 3×3) + 16 GEMMs (2.25× fewer multiplies) where both channel counts
    /// are ≥ 16, im2col below.
    case winograd
    /// kernels/conv_direct.cl: register-blocked direct convolution, for CPUs (~2× the others there).
    case direct
    /// Winograd F(4×4, 3×3) (kernels/winograd4.cl, the fast models' too): 4× fewer multiplies,
    /// transforms in cache-sized chunks; what training uses for its VGG loss on CPUs.
    case winogradF4 = "winograd4"

}
