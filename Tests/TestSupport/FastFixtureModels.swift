import FastStyle
import Foundation
import StyleEngine

/// The fast-model fixtures' two model files, made here from a seed instead of committed:
/// the same weights `scripts/fast_fixture_weights.py` gives PyTorch for the fixture pictures
/// (its doc says how each value is drawn; both compute in Double and round once to Float).
/// A plain TransformerNet (F32, no metadata) and a 4-style conditional one (every tensor F16,
/// the style names in its metadata), written once into a temporary folder of this seed's.
public enum FastFixtureModels {
    public static let seed: UInt64 = 20261207
    public static let styles = 4
    static let deconv3Gain = 140.0
    static let deconv3Shift = 132.0

    public static var plainPath: String { made.plain }
    public static var conditionalPath: String { made.conditional }

    nonisolated(unsafe) private static var madeFiles: (plain: String, conditional: String)?
    private static let lock = NSLock()

    private static var made: (plain: String, conditional: String) {
        lock.withLock {
            if let madeFiles { return madeFiles }
            // One folder per seed, shared by test processes: the files are the same for all, and
            // each is written atomically, so a process finding one there may use it.
            let folder = FileManager.default.temporaryDirectory.appending(path: "stylize-gpu-fast-fixtures-\(seed)-\(Int(deconv3Gain))-\(Int(deconv3Shift))")
            try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let files = (folder.appending(path: "transformer-plain.safetensors").path,
                         folder.appending(path: "transformer-cin4.safetensors").path)
            if !FileManager.default.fileExists(atPath: files.0) { try! write(styles: nil, to: files.0) }
            if !FileManager.default.fileExists(atPath: files.1) { try! write(styles: styles, to: files.1) }
            madeFiles = files
            return files
        }
    }

    /// Every tensor's values, by name, for a plain (nil) or conditional model.
    public static func tensors(styles: Int?) -> [(name: String, shape: [Int], values: [Float])] {
        let shapes = TransformerNetLayout.tensorShapes(conditionalStyles: styles)
        let fanIns = Dictionary(
            uniqueKeysWithValues: shapes.filter { $0.name.hasSuffix(".conv2d.weight") }.map {
                (String($0.name.dropLast(".weight".count)), $0.shape[1] * $0.shape[2] * $0.shape[3])
            })
        return shapes.map { name, shape in
            let u = uniform(name, count: shape.reduce(1, *))
            let values: [Double]
            if name.hasSuffix(".conv2d.weight") || name.hasSuffix(".conv2d.bias") {
                let prefix = name.hasSuffix(".weight") ? String(name.dropLast(".weight".count)) : String(name.dropLast(".bias".count))
                let bound = 1.0 / Double(fanIns[prefix]!).squareRoot()
                var v = u.map { (2.0 * $0 - 1.0) * bound }
                if name == "deconv3.conv2d.weight" { v = v.map { $0 * deconv3Gain } }
                if name == "deconv3.conv2d.bias" { v = v.map { $0 + deconv3Shift } }
                values = v
            } else if name.hasSuffix(".weight") {
                values = u.map { 0.5 + $0 }
            } else {
                values = u.map { (2.0 * $0 - 1.0) * 0.5 }
            }
            return (name, shape, values.map { Float($0) })
        }
    }

    /// u = (mix(base + (i + 1)·γ) >> 11)·2⁻⁵³, base = seed xor FNV-1a(name).
    static func uniform(_ name: String, count: Int) -> [Double] {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let base = seed ^ hash
        return (1...count).map { i in
            var z = base &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) * 0x1p-53
        }
    }

    static func write(styles: Int?, to path: String) throws {
        let entries = tensors(styles: styles).map { name, shape, values -> SafeTensorsWriter.Tensor in
            guard styles != nil else { return SafeTensorsWriter.Tensor(floats: values, name: name, shape: shape) }
            var data = Data(capacity: 2 * values.count)
            for value in values {
                var bits = Float16(value).bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
            }
            return SafeTensorsWriter.Tensor(name: name, dtype: "F16", shape: shape, data: data)
        }
        let names = (0..<(styles ?? 0)).map { "\"random style \($0)\"" }.joined(separator: ",")
        try SafeTensorsWriter.write(
            entries, metadata: styles == nil ? [:] : ["styles": "[\(names)]"], to: URL(fileURLWithPath: path))
    }
}
