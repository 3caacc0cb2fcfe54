import CLRuntime

/// VGG19's convolution layers on the device, and the pooling the run uses.
///
/// `convolutions` may hold fewer than 16 layers: only those up to the deepest layer a run
/// reads are needed (and loaded).
public final class VGG19Network: @unchecked Sendable {
    public let library: KernelLibrary
    public let convolutions: [DeviceConvLayer]
    public let pooling: Pooling

    public init(library: KernelLibrary, convolutions: [DeviceConvLayer], pooling: Pooling) {
        precondition(!convolutions.isEmpty && convolutions.count <= 16)
        self.library = library
        self.convolutions = convolutions
        self.pooling = pooling
    }

    /// The deepest layer this network's convolutions can compute.
    public var deepestAvailablePosition: Int {
        if convolutions.count == 16 { return VGG19Layers.all.count - 1 }
        return VGG19Layers.position(of: VGG19Layers.convolutionName(convolutions.count))! - 1
    }

    /// How many convolutions a run reading `layers` needs.
    public static func convolutionsNeeded(for layers: [String]) throws -> Int {
        try VGG19Layers.validate(layers)
        let deepest = layers.compactMap(VGG19Layers.position(of:)).max() ?? 0
        return VGG19Layers.all[...deepest].filter { if case .convolution = $0.kind { true } else { false } }.count
    }
}
