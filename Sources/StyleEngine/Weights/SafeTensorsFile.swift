import Foundation

/// A safetensors file (8-byte little-endian header length, a JSON header of
/// `{name: {dtype, shape, data_offsets}}`, then the data), checked whole on open.
public struct SafeTensorsFile: Sendable {
    public struct Tensor: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range within the data section.
        public let range: Range<Int>
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case unreadable(path: String, reason: String)
        case notSafeTensors(path: String, reason: String)
        case truncated(path: String, expectedBytes: Int, actualBytes: Int)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read weights file \(path): \(reason)"
            case .notSafeTensors(let path, let reason): "weights file \(path) is not a safetensors file: \(reason)"
            case .truncated(let path, let expected, let actual):
                "weights file \(path) is truncated: \(actual) bytes where \(expected) are needed; run scripts/fetch-weights --force"
            }
        }
    }

    public let path: String
    public let tensors: [String: Tensor]
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    static let elementSizes = ["U8": 1, "I8": 1, "F16": 2, "BF16": 2, "I16": 2, "F32": 4, "I32": 4, "F64": 8, "I64": 8]

    public init(path: String) throws {
        self.path = path
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw Failure.unreadable(path: path, reason: (error as NSError).localizedFailureReason ?? "\(error)")
        }
        guard data.count >= 8 else {
            throw Failure.truncated(path: path, expectedBytes: 8, actualBytes: data.count)
        }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
        guard headerLength <= 100_000_000 else {
            throw Failure.notSafeTensors(path: path, reason: "header length \(headerLength) is implausible")
        }
        dataStart = 8 + Int(headerLength)
        guard data.count >= dataStart else {
            throw Failure.truncated(path: path, expectedBytes: dataStart, actualBytes: data.count)
        }
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart)) as? [String: Any]
        else { throw Failure.notSafeTensors(path: path, reason: "the header is not a JSON object") }

        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var end = 0
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2,
                let elementSize = Self.elementSizes[dtype], shape.allSatisfy({ $0 >= 0 }),
                offsets[0] >= 0, offsets[1] >= offsets[0]
            else { throw Failure.notSafeTensors(path: path, reason: "tensor '\(name)' is described wrongly") }
            guard offsets[1] - offsets[0] == shape.reduce(elementSize, *) else {
                throw Failure.notSafeTensors(path: path, reason: "tensor '\(name)' has \(offsets[1] - offsets[0]) bytes for shape \(shape)")
            }
            tensors[name] = Tensor(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
            end = max(end, offsets[1])
        }
        guard data.count >= dataStart + end else {
            throw Failure.truncated(path: path, expectedBytes: dataStart + end, actualBytes: data.count)
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The raw bytes of a tensor.
    public func bytes(of name: String) -> Data? {
        guard let tensor = tensors[name] else { return nil }
        return data.subdata(in: (dataStart + tensor.range.lowerBound)..<(dataStart + tensor.range.upperBound))
    }

    /// A tensor's values as Float, from little-endian F32, F16 or BF16 (exact widening); nil for
    /// another dtype or an unknown name.
    public func floats(of name: String) -> [Float]? {
        guard let bytes = bytes(of: name), let dtype = tensors[name]?.dtype else { return nil }
        return bytes.withUnsafeBytes { raw -> [Float]? in
            switch dtype {
            case "F32":
                // A plain copy on little-endian hosts: per-element decoding is slow in debug builds.
                #if _endian(little)
                    return [Float](unsafeUninitializedCapacity: bytes.count / 4) { buffer, count in
                        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(4 * buffer.count)]))
                        count = buffer.count
                    }
                #else
                    return (0..<(bytes.count / 4)).map {
                        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
                    }
                #endif
            case "F16":
                let table = Self.halfTable
                return (0..<(bytes.count / 2)).map {
                    table[Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)))]
                }
            case "BF16":
                return (0..<(bytes.count / 2)).map {
                    Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) << 16)
                }
            default: return nil
            }
        }
    }

    /// Every half's Float value, by bit pattern: a lookup is cheaper than decoding each value.
    static let halfTable: [Float] = (0...UInt16.max).map(widenHalf)

    /// IEEE half to Float by bits: `Float16` is not available on every platform Swift builds for.
    static func widenHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = Int((bits >> 10) & 0x1f)
        let mantissa = UInt32(bits & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        case 0x1f: return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        default: return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
        }
    }
}
