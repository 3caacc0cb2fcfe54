/// What shapes one style transfer, below the job runners: no paths, only numbers and choices.
public struct TransferSettings: Sendable, Equatable {
    /// Longest side of the result.
    public var size = 512
    /// Style images are resized to style scale × each scale's size on their longest side.
    public var styleScale: Float = 1
    /// `--iterations`: spread over the scales by `ScaleSchedule.iterations`.
    public var iterations = 1000
    public var scales = ScaleSchedule.off
    public var optimizer = OptimizerSettings()
    /// Adam's state between scales (README § Coarse to fine has the measurement).
    public var optimizerAcrossScales = ScaleTransition.restart
    public var loss = LossSettings()
    /// Keep the content's colours: the result's luminance with the content's chroma.
    public var originalColors = false
    /// Tiles forced, or their halo changed (default: tiles only where one pass does not fit).
    public var tiling = TilingSettings()
    /// The im2col / Winograd scratch limit, in floats.
    public var scratchLimit = defaultScratchLimit(for: .fp32)

    /// 16 M floats in FP32, 8 M in FP16, whose point is memory (the scratch feeds CLBlast's
    /// SGEMM, so it stays float: FP16 runs halve its size instead, for a few more bands).
    public static func defaultScratchLimit(for precision: Precision) -> Int { precision == .fp32 ? 1 << 24 : 1 << 23 }

    public init() {}

    /// The planner of runs with these settings on `session` and `helpers` (the smallest memory
    /// budget of them).
    public func planner(session: EngineSession, helpers: [EngineSession] = []) -> TilePlanner {
        TilePlanner(
            memory: session.memoryPlan(optimizer: optimizer),
            availableBytes: ([session] + helpers).map(\.memoryBudget).min()!, loss: loss, settings: tiling,
            scratchLimit: scratchLimit, devices: helpers.count + 1,
            maxBufferBytes: ([session] + helpers).map { Int(clamping: $0.info.maxAllocationBytes) }.min()!)
    }

    /// The longest side of each scale, smallest first.
    public var scaleSizes: [Int] { scales.sizes(for: size) }

    /// The longest side of the style images at a scale whose longest side is `size`.
    public func styleSide(forSize size: Int) -> Int { max(1, Int((Float(size) * styleScale).rounded())) }
}
