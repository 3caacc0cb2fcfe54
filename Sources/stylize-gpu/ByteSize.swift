/// A size in bytes as users write it: a whole number with an optional binary suffix,
/// K, M, G or T (KiB … TiB; `B`/`iB` after it allowed): `512M`, `1G`, `1536MiB`.
struct ByteSize: Equatable {
    let bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        var text = argument.uppercased()
        for suffix in ["IB", "B"] where text.hasSuffix(suffix) && text.count > suffix.count {
            text.removeLast(suffix.count)
            break
        }
        let exponents: [Character: Int] = ["K": 10, "M": 20, "G": 30, "T": 40]
        var shift = 0
        if let last = text.last, let exponent = exponents[last] {
            shift = exponent
            text.removeLast()
        }
        guard let value = Int(text), value > 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow else { return nil }
        bytes = product
    }
}
