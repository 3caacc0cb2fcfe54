import Foundation

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
