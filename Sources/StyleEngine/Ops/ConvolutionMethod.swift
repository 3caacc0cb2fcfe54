import CLRuntime

/// How one convolution layer is computed on one device, chosen once when the layer is made
/// (`ConvolutionAlgorithm.methodType(for:)`) and holding the weights it prepared for it:
/// `DirectConvolution`, `WinogradConvolution`, `WinogradF4Convolution` or `Im2colConvolution`.
///
/// Shapes (see `ConvolutionShape`): input [C×H×W] → output [K×H×W]; filter K × C·9
/// (PyTorch's K×C×3×3) in the storage precision, bias [K].
///
/// Every call takes a `ConvScratch` sized from the methods' own answers: first
/// `columns(height:width:library:)` sizes the shared band scratch, then
/// `scratch(height:width:columns:library:)` the rest for that band scratch.
///
/// For training on the device (a feed-forward network, later issue):
/// - the backward to the weights goes here as
///   `backwardWeights(library:input:gradOutput:height:width:gradWeights:gradBias:scratch:)`
///   (gradWeights [K × C·9], gradBias [K]); it should add, so a batch accumulates, and report
///   any scratch it needs through `scratch(...)` like the other two directions;
/// - methods that keep prepared copies of the weights (direct panels, im2col's FP32 GEMM
///   panels) must re-prepare them after each weight update: a `prepare(library:)` requirement
///   goes here then, a no-op for Winograd, which transforms the filter on every call.
protocol ConvolutionMethod: AnyObject {
    /// Prepares the layer's weights for this method (packs or keeps them); `weights` K × C·9
    /// in the storage precision, `bias` [K].
    init(shape: ConvolutionShape, weights: StoredBuffer, bias: Buffer<Float>, library: KernelLibrary) throws

    var shape: ConvolutionShape { get }

    /// output[K×H×W] = conv(input[C×H×W]) + bias, then ReLU when `relu` (overwrites output).
    func forward(
        library: KernelLibrary, input: StoredBuffer, height: Int, width: Int, output: StoredBuffer,
        scratch: ConvScratch, relu: Bool
    ) throws

    /// gradInput[C×H×W] = ∂L/∂input from gradOutput[K×H×W] = ∂L/∂output (weights fixed).
    /// Overwrites gradInput.
    func backwardInput(
        library: KernelLibrary, gradOutput: Buffer<Float>, height: Int, width: Int, gradInput: Buffer<Float>,
        scratch: ConvScratch
    ) throws

    /// Floats of the shared band scratch (`ConvScratch.columns`) at H × W, either direction:
    /// `whole` for the image in one band, `minimum` for the narrowest band; both 0 when the
    /// method bands nothing.
    func columns(height: Int, width: Int, library: KernelLibrary) -> (whole: Int, minimum: Int)

    /// Floats of the other scratch at H × W, either direction, when `ConvScratch.columns`
    /// holds `columns` floats.
    func scratch(height: Int, width: Int, columns: Int, library: KernelLibrary) -> ConvScratch.Needs

    /// What `MemoryPlan` reckons a layer of this shape takes, before any device exists
    /// (`positions` = H·W, scratch capped at `scratchLimit` floats).
    static func estimate(shape: ConvolutionShape, positions: Int, precisionBytes: Int, scratchLimit: Int)
        -> MemoryPlan.ConvolutionEstimate
}

extension ConvolutionAlgorithm {
    /// The method a layer of this shape gets under this device-level choice: the only place
    /// that decides. Direct everywhere when chosen; Winograd where both channel counts are
    /// at least `WinogradConvolution.minimumChannels`; im2col otherwise.
    func methodType(for shape: ConvolutionShape) -> any ConvolutionMethod.Type {
        switch self {
        case .direct: DirectConvolution.self
        case .winogradF4: WinogradF4Convolution.self
        case .winograd where min(shape.inChannels, shape.outChannels) >= WinogradConvolution.minimumChannels:
            WinogradConvolution.self
        case .winograd, .im2col: Im2colConvolution.self
        }
    }
}
