import Foundation

/// The run's images, read, checked and resized as the spec says, before the device is touched
/// (the CLI and the bench both prepare their inputs here).
public struct StyleInputs {
    /// The content image at the output size.
    public let content: RGBImage
    /// Each style image at style scale × size on its longest side.
    public let styles: [RGBImage]
    /// The first image of the optimization, preprocessed [3×H×W].
    public let initialImage: [Float]

    /// The tensors the optimization loop takes.
    public var prepared: PreparedImages {
        PreparedImages(
            content: .init(pixels: content.preprocessed(), height: content.height, width: content.width),
            styles: styles.map { .init(pixels: $0.preprocessed(), height: $0.height, width: $0.width) },
            initial: initialImage)
    }

    /// Reads and resizes every image; `check(height, width)` sees the output size before any
    /// large allocation (to refuse what will not fit the device).
    public static func load(settings: StylizeSettings, check: (Int, Int) throws -> Void = { _, _ in }) throws
        -> StyleInputs
    {
        let original = try ImageFile.read(path: settings.contentPath)
        let (width, height) = fittedSize(width: original.width, height: original.height, longestSide: settings.size)
        let minimum = minimumSide(for: settings.loss.layers)
        try requireSize(settings.contentPath, width: width, height: height, minimum: minimum)
        try check(height, width)
        let styleSide = max(1, Int((Float(settings.size) * settings.styleScale).rounded()))
        var styles: [RGBImage] = []
        for path in settings.stylePaths {
            let style = try ImageFile.read(path: path)
            let size = fittedSize(width: style.width, height: style.height, longestSide: styleSide)
            if !settings.loss.styleLayers.isEmpty {
                try requireSize(path, width: size.width, height: size.height, minimum: minimumSide(for: settings.loss.styleLayers))
            }
            styles.append(style.resized(longestSide: styleSide))
        }
        let content = original.resized(longestSide: settings.size)
        let initialImage: [Float]
        switch settings.initialization {
        case .content:
            initialImage = content.preprocessed()
        case .random(let seed):
            var generator = NormalGenerator(seed: seed)
            initialImage = (0..<(3 * height * width)).map { _ in generator.next() * StylizeSettings.randomInitSigma }
        case .image(let path):
            initialImage = try ImageFile.read(path: path).resized(width: width, height: height).preprocessed()
        }
        return StyleInputs(content: content, styles: styles, initialImage: initialImage)
    }

    /// Width and height scaled so the longest side is `longestSide` (each side ≥ 1).
    static func fittedSize(width: Int, height: Int, longestSide: Int) -> (width: Int, height: Int) {
        let scale = Double(longestSide) / Double(max(width, height))
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    /// The smallest side that still leaves every requested layer at least one pixel.
    static func minimumSide(for layers: [String]) -> Int {
        let deepest = layers.compactMap(VGG19Layers.position(of:)).map { VGG19Layers.all[$0] }
        return deepest.map { 1 << ($0.block + ($0.kind == .pool ? 1 : 0)) }.max() ?? 1
    }

    static func requireSize(_ path: String, width: Int, height: Int, minimum: Int) throws {
        if width < minimum || height < minimum {
            throw StylizeError.imageTooSmall(path: path, width: width, height: height, minimum: minimum)
        }
    }
}

/// Standard normal samples from a seeded generator (Box–Muller over SplitMix64), identical on
/// every platform so that a seed always gives the same image.
struct NormalGenerator {
    private var state: UInt64
    private var spare: Float?

    init(seed: UInt64) { state = seed }

    mutating func nextUniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / Double(1 << 53)
    }

    mutating func next() -> Float {
        if let spare {
            self.spare = nil
            return spare
        }
        let radius = (-2 * Foundation.log(nextUniform())).squareRoot()
        let angle = 2 * Double.pi * nextUniform()
        spare = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }
}
