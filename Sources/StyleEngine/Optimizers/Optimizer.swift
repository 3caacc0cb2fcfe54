import CLRuntime

/// An optimizer whose vectors all live on the device.
///
/// Each iteration: the objective writes the gradient; `prepare` enqueues whatever scalars the
/// update will need (they are read by the host together with the losses, one read per
/// iteration); `update` changes the image in place.
public protocol DeviceOptimizer: AnyObject {
    func prepare(gradient: Buffer<Float>) throws
    func update(image: Buffer<Float>, gradient: Buffer<Float>, scalars values: [Float]) throws
}

public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
    case lbfgs, adam
}
