import Foundation
import StyleEngine

/// The training photos of a folder, cut into batches of square crops. The batch of a step is
/// a function of the seed and the step alone (which photo, where the crop is), so a resumed
/// run sees the batches an unbroken one would. Each photo is decoded once and kept with its
/// shorter side at 1.5 × the crop side; the next step's batch is made on a background thread
/// while the device works on this one.
public final class PhotoBatchSource: @unchecked Sendable {
    public let files: [String]
    public let side: Int
    public let batchSize: Int
    public let seed: UInt64
    private let lock = NSLock()
    private var decoded: [Int: RGBImage] = [:]
    private var pending: (step: Int, group: DispatchGroup, result: Result<PhotoBatch, Error>?)?
    private let queue = DispatchQueue(label: "stylize-gpu.photo-batches")

    /// Every PNG, JPEG and WebP file directly in `directory`, sorted by name.
    public init(directory: String, side: Int, batchSize: Int, seed: UInt64, maxPixels: Int = ImageFile.defaultMaxPixels)
        throws
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TrainingError.noPhotoFolder(directory)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { !$0.hasPrefix(".") && BatchRunner.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted()
        if names.isEmpty { throw TrainingError.noPhotos(directory) }
        files = names.map { URL(fileURLWithPath: directory).appending(path: $0).path }
        self.side = side
        self.batchSize = batchSize
        self.seed = seed
        self.maxPixels = maxPixels
    }

    private let maxPixels: Int

    /// The batch of `step`, and the next one started in the background.
    public func batch(step: Int) throws -> PhotoBatch {
        let ready: PhotoBatch
        if let waiting = lock.withLock({ pending }), waiting.step == step {
            waiting.group.wait()
            // The copy above predates the result: read it from the source, where the worker wrote it.
            ready = try lock.withLock { pending!.result! }.get()
        } else {
            ready = try make(step: step)
        }
        let group = DispatchGroup()
        let next = step + 1
        lock.withLock { pending = (next, group, nil) }
        queue.async(group: group) { [self] in
            let result = Result { try make(step: next) }
            lock.withLock { if pending?.step == next { pending?.result = result } }
        }
        return ready
    }

    /// The crops of `step`.
    func make(step: Int) throws -> PhotoBatch {
        var random = SplitMix64(seed: seed &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15)
        let plane = side * side
        var rgb = [Float](repeating: 0, count: batchSize * 3 * plane)
        var vgg = rgb
        for image in 0..<batchSize {
            let photo = try photo(Int(random.next() % UInt64(files.count)))
            let x = Int(random.next() % UInt64(photo.width - side + 1))
            let y = Int(random.next() % UInt64(photo.height - side + 1))
            let base = image * 3 * plane
            for row in 0..<side {
                for column in 0..<side {
                    let source = ((y + row) * photo.width + x + column) * 3
                    let target = row * side + column
                    for channel in 0..<3 {
                        let value = Float(photo.pixels[source + channel])
                        rgb[base + channel * plane + target] = value
                        vgg[base + (2 - channel) * plane + target] = value - PixelConvention.bgrMean[2 - channel]
                    }
                }
            }
        }
        return PhotoBatch(count: batchSize, side: side, rgb: rgb, vgg: vgg)
    }

    /// Photo `index`, decoded once, its shorter side 1.5 × the crop side.
    private func photo(_ index: Int) throws -> RGBImage {
        if let image = lock.withLock({ decoded[index] }) { return image }
        let image = try ImageFile.read(path: files[index], maxPixels: maxPixels)
        let shorter = (side * 3 + 1) / 2
        let scale = Double(shorter) / Double(min(image.width, image.height))
        let resized = image.resized(
            width: max(side, Int((Double(image.width) * scale).rounded())),
            height: max(side, Int((Double(image.height) * scale).rounded())))
        lock.withLock { decoded[index] = resized }
        return resized
    }
}
