/// What an optimizer's state does between scales.
public enum ScaleTransition: String, Sendable, Codable, CaseIterable {
    /// A fresh optimizer at each scale.
    case restart
    /// Per-pixel state (Adam's moments, its step count) resampled to the new size; L-BFGS,
    /// whose curvature pairs belong to one resolution, restarts either way.
    case resample
}
