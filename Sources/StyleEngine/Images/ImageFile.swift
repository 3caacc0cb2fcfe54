import CImageIO
import Foundation

/// Why an image could not be read or written; one line that names the file.
public enum ImageError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case unsupportedFormat(path: String)
    case corrupt(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case tooManyPixels(path: String, width: Int, height: Int, limit: Int)

    public var description: String {
        switch self {
        case .missing(let path): "no such image file: \(path)"
        case .unreadable(let path, let reason): "cannot read image \(path): \(reason)"
        case .empty(let path): "image file \(path) is empty"
        case .unsupportedFormat(let path): "image \(path) is not in a supported format (PNG, JPEG or WebP)"
        case .corrupt(let path, let reason): "image \(path) is corrupt or truncated: \(reason)"
        case .cannotWrite(let path, let reason): "cannot write image \(path): \(reason)"
        case .tooManyPixels(let path, let width, let height, let limit):
            "image \(path) declares \(width)×\(height) = \(width * height) pixels, more than the limit of \(limit) "
                + "(--max-image-pixels raises it)"
        }
    }
}

/// The file formats the engine reads and writes.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png, jpeg, webp

    /// The format an output path's extension names (.png, .jpg/.jpeg, .webp), or nil.
    public init?(outputPath path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        case "webp": self = .webp
        default: return nil
        }
    }

    var code: Int32 {
        switch self {
        case .png: Int32(IMAGE_IO_PNG)
        case .jpeg: Int32(IMAGE_IO_JPEG)
        case .webp: Int32(IMAGE_IO_WEBP)
        }
    }
}

/// An image as read from its file: the colour (composited onto a neutral background where
/// the file has transparency), the alpha channel if any, the ICC profile if any. The EXIF
/// orientation is already applied.
public struct DecodedImage: Sendable, Equatable {
    public var image: RGBImage
    /// width × height bytes, or nil when the file has no alpha (or every pixel is opaque).
    public var alpha: [UInt8]?
    public var iccProfile: [UInt8]?
    /// The file's EXIF orientation (1–8, 1 when absent), already applied to `image`.
    public var orientation: Int
    public var format: ImageFormat
}

/// PNG, JPEG and WebP files, through libpng, libjpeg-turbo and libwebp.
public enum ImageFile {
    /// Images whose header declares more pixels than this are refused before decoding
    /// (`--max-image-pixels`).
    public static let defaultMaxPixels = 100_000_000

    /// Reads a PNG (any depth and colour type), JPEG or WebP as 8-bit RGB, upright, with
    /// transparency composited onto the neutral background.
    public static func read(path: String, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        try decode(path: path, maxPixels: maxPixels).image
    }

    /// Reads an image with its alpha channel and ICC profile.
    public static func decode(path: String, maxPixels: Int = defaultMaxPixels) throws -> DecodedImage {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageError.missing(path: path)
        }
        if isDirectory.boolValue { throw ImageError.unreadable(path: path, reason: "it is a directory") }
        var decoded = image_io_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = image_io_read_file(path, Int64(maxPixels), &decoded, &message, message.count)
        defer { image_io_image_free(&decoded) }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch Int(status) {
        case Int(IMAGE_IO_OK):
            guard let rgb = decoded.rgb, decoded.width > 0, decoded.height > 0 else {
                throw ImageError.corrupt(path: path, reason: "no pixels")
            }
            let pixels = Int(decoded.width) * Int(decoded.height)
            let format: ImageFormat =
                switch Int(decoded.format) {
                case Int(IMAGE_IO_JPEG): .jpeg
                case Int(IMAGE_IO_WEBP): .webp
                default: .png
                }
            return DecodedImage(
                image: RGBImage(
                    width: Int(decoded.width), height: Int(decoded.height),
                    pixels: Array(UnsafeBufferPointer(start: rgb, count: pixels * 3))),
                alpha: decoded.alpha.map { Array(UnsafeBufferPointer(start: $0, count: pixels)) },
                iccProfile: decoded.icc.map { Array(UnsafeBufferPointer(start: $0, count: decoded.icc_size)) },
                orientation: Int(decoded.orientation), format: format)
        case Int(IMAGE_IO_CANNOT_OPEN): throw ImageError.unreadable(path: path, reason: reason)
        case Int(IMAGE_IO_EMPTY): throw ImageError.empty(path: path)
        case Int(IMAGE_IO_UNSUPPORTED): throw ImageError.unsupportedFormat(path: path)
        case Int(IMAGE_IO_TOO_MANY_PIXELS):
            throw ImageError.tooManyPixels(
                path: path, width: Int(decoded.width), height: Int(decoded.height), limit: maxPixels)
        case Int(IMAGE_IO_OUT_OF_MEMORY): throw ImageError.corrupt(path: path, reason: "too large to decode")
        default: throw ImageError.corrupt(path: path, reason: reason)
        }
    }

    /// Writes an 8-bit RGB PNG atomically (`write`).
    public static func writePNG(_ image: RGBImage, to path: String) throws {
        try write(image, to: path, format: .png)
    }

    /// Writes `image` (with `alpha`, width × height bytes, where the format has alpha: PNG
    /// and WebP; and the ICC profile where it has one: PNG and JPEG) to a temporary file
    /// beside `path`, then renames it into place, so that a crash or a full disk never leaves
    /// half an image under the final name. `format` nil: from the extension (PNG otherwise).
    /// `quality` is JPEG's (1–100); WebP is lossless.
    public static func write(
        _ image: RGBImage, alpha: [UInt8]? = nil, iccProfile: [UInt8]? = nil, to path: String,
        format: ImageFormat? = nil, quality: Int = 92, exifOrientation: Int = 0
    ) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw ImageError.cannotWrite(path: path, reason: "no such directory \(directory.path)") }
        if let alpha { precondition(alpha.count == image.width * image.height) }
        let format = format ?? ImageFormat(outputPath: path) ?? .png
        let temporary = directory.appending(path: ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { rgb in
            withOptionalBuffer(alpha) { alpha in
                withOptionalBuffer(iccProfile) { icc in
                    image_io_write(
                        temporary.path, format.code, rgb.baseAddress, alpha, Int32(image.width), Int32(image.height), icc,
                        iccProfile?.count ?? 0, Int32(quality), Int32(exifOrientation), &message, message.count)
                }
            }
        }
        guard status == Int32(IMAGE_IO_OK) else {
            try? FileManager.default.removeItem(at: temporary)
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ImageError.cannotWrite(path: path, reason: reason)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ImageError.cannotWrite(path: path, reason: reason)
        }
    }

    private static func withOptionalBuffer<R>(_ bytes: [UInt8]?, _ body: (UnsafePointer<UInt8>?) -> R) -> R {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// Writes a JPEG (tests make their inputs with it).
    public static func writeJPEGForTests(_ image: RGBImage, to path: String, quality: Int = 90) throws {
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer {
            image_io_write_jpeg(path, $0.baseAddress, Int32(image.width), Int32(image.height), 3, Int32(quality), &message, message.count)
        }
        guard status == Int32(IMAGE_IO_OK) else {
            throw ImageError.cannotWrite(path: path, reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}

extension DecodedImage {
    /// The alpha channel resampled to width × height (the same filter as the colour).
    public func alpha(width: Int, height: Int) -> [UInt8]? {
        guard let alpha else { return nil }
        if width == image.width && height == image.height { return alpha }
        let planes = RGBImage(width: image.width, height: image.height, pixels: alpha.flatMap { [$0, $0, $0] })
        let resized = planes.resized(width: width, height: height)
        return stride(from: 0, to: resized.pixels.count, by: 3).map { resized.pixels[$0] }
    }
}
