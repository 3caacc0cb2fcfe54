import Foundation

/// A job's images read from their files and checked before the device is touched: the
/// content and styles as given (the transfer resizes them for each scale) and the start.
public struct StyleInputs {
    public let content: RGBImage
    /// The content's file as read: its alpha channel and ICC profile go into the result.
    public let contentFile: DecodedImage
    public let styles: [RGBImage]
    public let initialization: Initialization
    /// The result's size.
    public let width: Int
    public let height: Int

    /// Reads every image; `check(height, width)` sees the result's size before any large
    /// allocation (to refuse what will not fit the device).
    public static func load(settings: StylizeSettings, check: (Int, Int) throws -> Void = { _, _ in }) throws
        -> StyleInputs
    {
        let contentFile = try ImageFile.decode(path: settings.contentPath, maxPixels: settings.maxImagePixels)
        let content = contentFile.image
        let (width, height) = fittedSize(width: content.width, height: content.height, longestSide: settings.size)
        let smallest = settings.scales.sizes(for: settings.size).first!
        let first = fittedSize(width: content.width, height: content.height, longestSide: smallest)
        let minimum = minimumSide(for: settings.loss.layers)
        try requireSize(settings.contentPath, width: first.width, height: first.height, minimum: minimum)
        try check(height, width)
        let styleSide = settings.transfer.styleSide(forSize: smallest)
        var styles: [RGBImage] = []
        for path in settings.stylePaths {
            let style = try ImageFile.read(path: path, maxPixels: settings.maxImagePixels)
            let size = fittedSize(width: style.width, height: style.height, longestSide: styleSide)
            if !settings.loss.styleLayers.isEmpty {
                try requireSize(path, width: size.width, height: size.height, minimum: minimumSide(for: settings.loss.styleLayers))
            }
            styles.append(style)
        }
        let initialization: Initialization =
            switch settings.initialization {
            case .content: .content
            case .random(let seed): .random(seed: seed)
            case .image(let path): .image(try initImage(path: path, width: width, height: height, settings: settings))
            }
        return StyleInputs(
            content: content, contentFile: contentFile, styles: styles, initialization: initialization, width: width,
            height: height)
    }

    /// An `--init` image: refused unless it has the content's aspect (it is resized to the
    /// result's size, never stretched).
    static func initImage(path: String, width: Int, height: Int, settings: StylizeSettings) throws -> RGBImage {
        let image = try ImageFile.read(path: path, maxPixels: settings.maxImagePixels)
        let fitted = fittedSize(width: image.width, height: image.height, longestSide: max(width, height))
        if fitted.width != width || fitted.height != height {
            throw StylizeError.initAspectMismatch(
                path: path, width: image.width, height: image.height, contentWidth: width, contentHeight: height)
        }
        return image
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
