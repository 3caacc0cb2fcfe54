import CLRuntime

/// An optimizer whose vectors all live on the device.
///
/// Each iteration: the objective writes the gradient; `prepare` enqueues whatever scalars the
/// update will need (they are read by the host together with the losses, one read per
/// iteration); `update` changes the image in place.
///
/// Between the scales of a coarse-to-fine run an optimizer can hand its per-pixel state to the
/// next one (`carriedState`, resampled to the new size by the caller, then `adopt`); one
/// whose state is not per pixel (L-BFGS: curvature pairs of one resolution) carries none.
public protocol DeviceOptimizer: AnyObject {
    func prepare(gradient: Buffer<Float>) throws
    func update(image: Buffer<Float>, gradient: Buffer<Float>, scalars values: [Float]) throws
    /// Per-pixel tensors [3×H×W] and the step count, or nil when nothing can be carried.
    func carriedState(height: Int, width: Int) throws -> CarriedOptimizerState?
    /// Takes over a state resampled to this optimizer's size.
    func adopt(_ state: CarriedOptimizerState) throws
}
