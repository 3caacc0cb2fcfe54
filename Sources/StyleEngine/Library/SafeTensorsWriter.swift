import Foundation

/// Writes safetensors files (the format `SafeTensorsFile` reads): F32 tensors in the order
/// given, string metadata under `__metadata__`, the header padded with spaces to 8 bytes.
public enum SafeTensorsWriter {
    public struct Tensor: Sendable {
        public let name: String
        public let shape: [Int]
        public let values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "tensor \(name): shape \(shape) for \(values.count) values")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// The file's bytes.
    public static func encode(tensors: [Tensor], metadata: [String: String]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.values.count * 4
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var headerBytes = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(headerBytes)
        for tensor in tensors {
            let words = tensor.values.map { $0.bitPattern.littleEndian }
            words.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        return data
    }
}

/// A fast, stable 64-bit fingerprint of bytes (FNV-1a over little-endian 8-byte words, then
/// the tail bytes and the length): names a weights file or a style image in the style
/// library and the batch manifest. Not cryptographic; it tells files apart, it does not
/// authenticate them.
public enum ContentHash {
    public static func of(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01b3
        data.withUnsafeBytes { raw in
            let words = raw.count / 8
            for index in 0..<words {
                hash = (hash ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))) &* prime
            }
            for index in (words * 8)..<raw.count { hash = (hash ^ UInt64(raw[index])) &* prime }
        }
        hash = (hash ^ UInt64(data.count)) &* prime
        return String(format: "fnv1a64:%016llx", hash)
    }

    public static func of(string: String) -> String { of(Data(string.utf8)) }

    /// The file's fingerprint, or nil when it cannot be read.
    public static func ofFile(_ path: String) -> String? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return of(data)
    }
}

/// Writes `data` to a temporary file beside `path`, flushes it, and renames it into place:
/// a crash leaves the old file or the new one, never a mix.
func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appending(
        path: ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
    let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw AtomicWriteError(path: path, reason: String(cString: strerror(errno))) }
    var written = 0
    let ok = data.withUnsafeBytes { raw -> Bool in
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n <= 0 { return false }
            written += n
        }
        return fsync(fd) == 0
    }
    let reason = ok ? "" : String(cString: strerror(errno))
    close(fd)
    guard ok, rename(temporary.path, url.path) == 0 else {
        let why = ok ? String(cString: strerror(errno)) : reason
        unlink(temporary.path)
        throw AtomicWriteError(path: path, reason: why)
    }
}

struct AtomicWriteError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot write \(path): \(reason)" }
}
