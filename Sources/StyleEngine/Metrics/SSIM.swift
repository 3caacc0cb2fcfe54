import CLRuntime
import Foundation

/// Structural similarity (SSIM) of two 8-bit RGB images, computed on the device.
///
/// Definition (Wang, Bovik, Sheikh & Simoncelli 2004, as their MATLAB `ssim_index`):
/// - each image is reduced to luminance Y = 0.299 R + 0.587 G + 0.114 B on the 0–255 scale
///   (not rounded);
/// - the window is an 11×11 Gaussian with σ = 1.5, its weights normalised to sum to 1;
/// - at each position where the whole window fits inside the image ("valid": an
///   (H − 10) × (W − 10) map), with weighted means μx, μy, variances σx² = E[x²] − μx²,
///   σy² = E[y²] − μy² and covariance σxy = E[xy] − μx μy (population form, the window's
///   weights as the distribution):
///   SSIM = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)),
///   C1 = (0.01 · 255)², C2 = (0.03 · 255)²;
/// - the result is the mean of that map.
///
/// Identical images give 1. Images smaller than 11 px on either side have no valid position:
/// they are rejected with `SSIM.Error.imageTooSmall` (no fallback), and images of different
/// sizes with `SSIM.Error.sizeMismatch`.
///
/// The device works in float (the variances as Σ w (x − μ)², the same quantity without
/// float cancellation); each work-item sums 32 map values of one row and the host adds those
/// partial sums in Double. Meant for evaluation outside the optimization loop: it allocates
/// its buffers and reads the partial sums back once per call.
public enum SSIM {
    /// The Gaussian window's side and standard deviation, and the stabilising constants.
    public static let window = 11
    public static let sigma = 1.5
    public static let c1 = (0.01 * 255) * (0.01 * 255)
    public static let c2 = (0.03 * 255) * (0.03 * 255)
    /// Output columns summed by one work-item (SSIM_SEGMENT in kernels/metrics.cl).
    static let segment = 32

    public enum Error: Swift.Error, CustomStringConvertible, Equatable {
        case sizeMismatch(width: Int, height: Int, otherWidth: Int, otherHeight: Int)
        case imageTooSmall(width: Int, height: Int, minimum: Int)

        public var description: String {
            switch self {
            case .sizeMismatch(let width, let height, let otherWidth, let otherHeight):
                "SSIM needs images of the same size, not \(width)×\(height) and \(otherWidth)×\(otherHeight)"
            case .imageTooSmall(let width, let height, let minimum):
                "SSIM needs images of at least \(minimum)×\(minimum) px, not \(width)×\(height)"
            }
        }
    }

    /// The normalised 1-D Gaussian; the 11×11 window is its outer product with itself
    /// (which is the normalised 2-D Gaussian, since the 2-D one factorises).
    static var taps: [Float] {
        let half = Double(window / 2)
        let raw = (0..<window).map { exp(-(Double($0) - half) * (Double($0) - half) / (2 * sigma * sigma)) }
        let total = raw.reduce(0, +)
        return raw.map { Float($0 / total) }
    }

    /// The mean SSIM of `a` and `b` (see the type's definition).
    public static func compute(library: KernelLibrary, _ a: RGBImage, _ b: RGBImage) throws -> Double {
        guard a.width == b.width && a.height == b.height else {
            throw Error.sizeMismatch(width: a.width, height: a.height, otherWidth: b.width, otherHeight: b.height)
        }
        guard a.width >= window && a.height >= window else {
            throw Error.imageTooSmall(width: a.width, height: a.height, minimum: window)
        }
        let gpu = library.gpu, queue = library.queue
        let (width, height) = (a.width, a.height)
        let count = width * height
        let outWidth = width - (window - 1), outHeight = height - (window - 1)
        let segments = (outWidth + segment - 1) / segment

        let luminance = try library.kernel("metrics", "luminance")
        let planes = try [a, b].map { image in
            let rgb = try gpu.buffer(image.pixels)
            let plane = try gpu.buffer(Float.self, count: count)
            // Releasing `rgb` afterwards is safe: OpenCL deletes it once this kernel has run.
            try luminance.enqueue(on: queue, global: [count], local: [64], count, rgb, plane)
            return plane
        }
        let tapBuffer = try gpu.buffer(taps)
        let partials = try gpu.buffer(Float.self, count: segments * outHeight)
        try library.kernel("metrics", "ssim_map_rows").enqueue(
            on: queue, global: [segments, outHeight], local: nil,
            height, width, planes[0], planes[1], tapBuffer, Float(c1), Float(c2), partials)
        let sums = try partials.download(queue: queue)
        return sums.reduce(0.0) { $0 + Double($1) } / Double(outWidth * outHeight)
    }
}
