/// Where an instance norm finds γ and β (or, for the backward, where it adds their
/// gradients): image n, channel c uses `gamma[n · imageStride + c]` and likewise β.
///
/// `imageStride` 0: every image shares one row of C values (InstanceNorm2d; conditional
/// instance norm with one style, a style's row of the [styles × C] table, or a blended
/// row). `imageStride` C: a row per image, consecutive (conditional instance norm with a
/// style, or a blend, per image). Other strides ≥ C are allowed.
public struct InstanceNormAffine: @unchecked Sendable {
    public let gamma: ParameterSlice
    public let beta: ParameterSlice
    public let imageStride: Int

    public init(gamma: ParameterSlice, beta: ParameterSlice, imageStride: Int = 0) {
        precondition(imageStride >= 0)
        self.gamma = gamma
        self.beta = beta
        self.imageStride = imageStride
    }

    /// One row of γ and β for every image.
    public static func shared(gamma: ParameterSlice, beta: ParameterSlice) -> InstanceNormAffine {
        InstanceNormAffine(gamma: gamma, beta: beta, imageStride: 0)
    }

    /// A row of `channels` values per image, consecutive.
    public static func perImage(gamma: ParameterSlice, beta: ParameterSlice, channels: Int) -> InstanceNormAffine {
        InstanceNormAffine(gamma: gamma, beta: beta, imageStride: channels)
    }

    /// Stops slices that do not hold every (image, channel) index `shape` reaches.
    func require(_ shape: TensorShape, _ role: String) {
        precondition(imageStride == 0 || imageStride >= shape.channels, "\(role): image stride under the channels")
        let needed = (shape.images - 1) * imageStride + shape.channels
        precondition(gamma.count >= needed && beta.count >= needed, "\(role): \(needed) values needed for \(shape)")
    }
}
