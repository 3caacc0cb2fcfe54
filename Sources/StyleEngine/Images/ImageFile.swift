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

    public var description: String {
        switch self {
        case .missing(let path): "no such image file: \(path)"
        case .unreadable(let path, let reason): "cannot read image \(path): \(reason)"
        case .empty(let path): "image file \(path) is empty"
        case .unsupportedFormat(let path): "image \(path) is not in a supported format (PNG or JPEG)"
        case .corrupt(let path, let reason): "image \(path) is corrupt or truncated: \(reason)"
        case .cannotWrite(let path, let reason): "cannot write image \(path): \(reason)"
        }
    }
}

/// PNG and JPEG files, through libpng and libjpeg-turbo.
public enum ImageFile {
    /// Reads a PNG (8 or 16 bit, gray, RGB, palette; alpha dropped) or JPEG as 8-bit RGB.
    public static func read(path: String) throws -> RGBImage {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageError.missing(path: path)
        }
        if isDirectory.boolValue { throw ImageError.unreadable(path: path, reason: "it is a directory") }
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0
        var height: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image_io_read(path, &pixels, &width, &height, &message, message.count)
        defer { image_io_free(pixels) }
        let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch Int(status) {
        case Int(IMAGE_IO_OK):
            guard let pixels, width > 0, height > 0 else { throw ImageError.corrupt(path: path, reason: "no pixels") }
            let count = Int(width) * Int(height) * 3
            return RGBImage(
                width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
        case Int(IMAGE_IO_CANNOT_OPEN): throw ImageError.unreadable(path: path, reason: reason)
        case Int(IMAGE_IO_EMPTY): throw ImageError.empty(path: path)
        case Int(IMAGE_IO_UNSUPPORTED): throw ImageError.unsupportedFormat(path: path)
        case Int(IMAGE_IO_OUT_OF_MEMORY): throw ImageError.corrupt(path: path, reason: "too large to decode")
        default: throw ImageError.corrupt(path: path, reason: reason)
        }
    }

    /// Writes an 8-bit RGB PNG to a temporary file beside `path`, then renames it into place,
    /// so that a crash or a full disk never leaves half an image under the final name.
    public static func writePNG(_ image: RGBImage, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw ImageError.cannotWrite(path: path, reason: "no such directory \(directory.path)") }
        let temporary = directory.appending(path: ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer {
            image_io_write_png(temporary.path, $0.baseAddress, Int32(image.width), Int32(image.height), &message, message.count)
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

    /// Writes a JPEG (tests make their inputs with it; the engine itself writes PNG only).
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
