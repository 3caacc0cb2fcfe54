import CLRuntime

/// The spec's total loss of an image at one size and its gradient, on the device: over the
/// whole image in one pass (`StyleObjective`) or tile by tile (`TiledObjective`).
public protocol Objective: AnyObject {
    var settings: LossSettings { get }
    var height: Int { get }
    var width: Int { get }
    /// Per-layer timing of the network passes (nil: off).
    var profile: LayerProfile? { get set }

    /// Forward and backward at `image` [3×H×W]: `gradient` receives ∂loss/∂image (overwritten)
    /// and the loss sums their `DeviceScalars` slots (finished, not yet read).
    func evaluate(image: Buffer<Float>, gradient: Buffer<Float>) throws

    /// The loss parts from the finished scalar values (`DeviceScalars.read()`).
    func lossParts(from values: [Float]) -> LossParts

    /// Each style layer's Gram matrix [C×C] of the image last evaluated (metrics).
    func imageGrams() throws -> [String: [Float]]
}
