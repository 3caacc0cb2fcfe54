import CLRuntime
import XCTest

final class GEMMTests: XCTestCase {
    /// Row-major C = op(A)·op(B) in Double, the reference for CLBlast.
    func referenceProduct(
        _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
    ) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aValue = transposeA ? a[p * m + i] : a[i * k + p]
                    let bValue = transposeB ? b[j * k + p] : b[p * n + j]
                    sum += Double(aValue) * Double(bValue)
                }
                c[i * n + j] = Float(sum)
            }
        }
        return c
    }

    func assertClose(_ actual: [Float], _ expected: [Float], relative: Float, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, file: file, line: line)
        let scale = expected.map(abs).max() ?? 1
        let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, relative * scale, "max error \(worst) vs scale \(scale)", file: file, line: line)
    }

    func testSgemmOddShapesWithTransposes() throws {
        let gpu = try TestDevice.make()
        var values = SeededValues(seed: 3)
        let (m, n, k) = (37, 53, 29)
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = values.array(m * k)
            let b = values.array(k * n)
            let c = try gpu.buffer(Float.self, count: m * n)
            try GEMM.sgemm(
                queue: gpu.queue, transposeA: transposeA ? .yes : .no, transposeB: transposeB ? .yes : .no,
                m: m, n: n, k: k, a: try gpu.buffer(a), b: try gpu.buffer(b), c: c)
            assertClose(
                try c.download(queue: gpu.queue),
                referenceProduct(a, b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB),
                relative: 1e-4)
        }
    }

    func testSgemmAlphaBetaAccumulates() throws {
        let gpu = try TestDevice.make()
        var values = SeededValues(seed: 4)
        let (m, n, k) = (5, 7, 3)
        let a = values.array(m * k), b = values.array(k * n), c0 = values.array(m * n)
        let c = try gpu.buffer(c0)
        try GEMM.sgemm(
            queue: gpu.queue, m: m, n: n, k: k, alpha: 2, a: try gpu.buffer(a), b: try gpu.buffer(b), beta: 0.5, c: c)
        let product = referenceProduct(a, b, m: m, n: n, k: k, transposeA: false, transposeB: false)
        assertClose(try c.download(queue: gpu.queue), zip(product, c0).map { 2 * $0 + 0.5 * $1 }, relative: 1e-4)
    }

    func testStridedBatchedMatchesEachProduct() throws {
        let gpu = try TestDevice.make()
        var values = SeededValues(seed: 5)
        let (m, n, k, batches) = (9, 11, 13, 3)
        let a = values.array(m * k * batches), b = values.array(k * n * batches)
        let c = try gpu.buffer(Float.self, count: m * n * batches)
        try GEMM.sgemmStridedBatched(
            queue: gpu.queue, m: m, n: n, k: k, a: try gpu.buffer(a), aStride: m * k, b: try gpu.buffer(b),
            bStride: k * n, c: c, cStride: m * n, batchCount: batches)
        let result = try c.download(queue: gpu.queue)
        for batch in 0..<batches {
            let expected = referenceProduct(
                Array(a[(batch * m * k)..<((batch + 1) * m * k)]), Array(b[(batch * k * n)..<((batch + 1) * k * n)]),
                m: m, n: n, k: k, transposeA: false, transposeB: false)
            assertClose(Array(result[(batch * m * n)..<((batch + 1) * m * n)]), expected, relative: 1e-4)
        }
    }

    func testInvalidDimensionIsATypedCLBlastError() throws {
        let gpu = try TestDevice.make()
        let a = try gpu.buffer(Float.self, count: 4)
        XCTAssertThrowsError(try GEMM.sgemm(queue: gpu.queue, m: 0, n: 2, k: 2, a: a, b: a, c: a)) { error in
            XCTAssertEqual((error as? CLBlastError)?.status, -1017)
            XCTAssertTrue(String(describing: error).contains("CLBlastInvalidDimension"), "\(error)")
        }
        XCTAssertThrowsError(try GEMM.sgemm(queue: gpu.queue, m: 4, n: 4, k: 4, a: a, b: a, c: a)) { error in
            XCTAssertTrue(String(describing: error).contains("InsufficientMemory"), "\(error)")
        }
    }
}
