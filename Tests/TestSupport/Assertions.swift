import XCTest

/// Asserts max |a − e| ≤ tolerance · max(max |e|, floor).
public func assertClose(
    _ actual: [Float], _ expected: [Float], relative tolerance: Float, floor: Float = 1e-6, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "count " + message, file: file, line: line)
    let scale = max(expected.map(abs).max() ?? 0, floor)
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(
        worst, tolerance * scale, "max error \(worst) vs scale \(scale) " + message, file: file, line: line)
}

public func doubles(_ values: [Float]) -> [Double] { values.map(Double.init) }
public func floats(_ values: [Double]) -> [Float] { values.map(Float.init) }

/// ∂(Σ seed·f(x))/∂x by central differences in Double.
public func numericGradient(_ x: [Double], seed: [Double], epsilon: Double = 1e-5, _ f: ([Double]) -> [Double]) -> [Double] {
    (0..<x.count).map { i in
        var plus = x, minus = x
        plus[i] += epsilon
        minus[i] -= epsilon
        let up = zip(f(plus), seed).reduce(0) { $0 + $1.0 * $1.1 }
        let down = zip(f(minus), seed).reduce(0) { $0 + $1.0 * $1.1 }
        return (up - down) / (2 * epsilon)
    }
}
