/// One training step's photos, N square crops: as the transform network takes them (RGB on
/// 0–255) and as VGG19 takes them (BGR minus the mean), each N×3×S×S planar.
public struct PhotoBatch: Sendable {
    public let count: Int
    public let side: Int
    public let rgb: [Float]
    public let vgg: [Float]
}
