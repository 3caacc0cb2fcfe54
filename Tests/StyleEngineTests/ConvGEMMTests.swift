import CLRuntime
import StyleEngine
import TestSupport
import XCTest

/// The convolutions' GEMM (kernels/gemm.cl, and CLBlast behind the same call) against a
/// plain CPU product in Double: odd shapes that leave partial tiles in every direction,
/// batches, the bias + ReLU epilogue, and K split into ranges that accumulate.
final class ConvGEMMTests: XCTestCase {
    var random = TestRandom(seed: 300)

    /// C[b] = A[b]·B[b] (+ bias, ReLU) in Double; A is [batch][m][k] row-major.
    func reference(
        a: [Float], b: [Float], m: Int, n: Int, k: Int, batch: Int, bias: [Float]?, relu: Bool
    ) -> [Float] {
        var c = [Float](repeating: 0, count: batch * m * n)
        for p in 0..<batch {
            for i in 0..<m {
                for j in 0..<n {
                    var sum = Double(bias?[i] ?? 0)
                    for l in 0..<k { sum += Double(a[(p * m + i) * k + l]) * Double(b[(p * k + l) * n + j]) }
                    c[(p * m + i) * n + j] = Float(relu ? max(sum, 0) : sum)
                }
            }
        }
        return c
    }

    func check(
        backend: GEMMBackend, m: Int, n: Int, k: Int, batch: Int, epilogue: Bool, relu: Bool, kChunk: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let library = KernelLibrary(gpu: try EngineTestDevice.library().gpu, gemm: backend)
        let a = random.array(batch * m * k), b = random.array(batch * k * n), bias = random.array(m)
        // A packed per product, each product's panels `aStride` apart.
        let rows = ConvGEMM.paddedRows(m, library: library)
        let aStride = rows * k
        let packed = try library.gpu.buffer(Float.self, count: batch * aStride)
        for p in 0..<batch {
            let source = try library.gpu.buffer(Array(a[(p * m * k)..<((p + 1) * m * k)]))
            let product = try library.gpu.buffer(Float.self, count: aStride)
            try ConvGEMM.pack(library: library, rows: m, cols: k, source: .float(source), into: product)
            try packed.copy(from: product, offset: p * aStride, count: aStride, queue: library.queue)
        }
        // B with padded rows whose padding holds NaN: it must never reach a stored result.
        let ldb = ConvGEMM.paddedColumns(n, library: library) + (backend == .packed ? ConvGEMMTests.extraPadding : 0)
        var paddedB = [Float](repeating: .nan, count: batch * k * ldb)
        for row in 0..<(batch * k) {
            for j in 0..<n { paddedB[row * ldb + j] = b[row * n + j] }
        }
        if backend == .clblast { paddedB = paddedB.map { $0.isNaN ? 0 : $0 } }
        // C inside a larger buffer at an offset, with sentinels around it that must survive.
        let ldc = n + 3, cOffset = 5, cStride = m * ldc + 2
        let c = try library.gpu.buffer(Float.self, count: cOffset + batch * cStride + 4)
        try c.fill(-7, queue: library.queue)
        try ConvGEMM.multiply(
            library: library, m: m, n: n, k: k, a: packed, aStride: aStride, b: try library.gpu.buffer(paddedB), ldb: ldb,
            bStride: k * ldb, c: c, cOffset: cOffset, ldc: ldc, cStride: cStride, batch: batch,
            epilogue: epilogue ? .init(bias: try library.gpu.buffer(bias), relu: relu) : nil, kChunk: kChunk)
        let result = try c.download(queue: library.queue)
        var actual: [Float] = []
        for p in 0..<batch {
            for i in 0..<m {
                let start: Int = cOffset + p * cStride + i * ldc
                actual += result[start..<(start + n)]
            }
        }
        let expected = reference(a: a, b: b, m: m, n: n, k: k, batch: batch, bias: epilogue ? bias : nil, relu: relu)
        let label = "\(backend) m \(m) n \(n) k \(k) batch \(batch) epilogue \(epilogue) relu \(relu) chunk \(kChunk)"
        assertClose(actual, expected, relative: 1e-5, floor: 1e-5, label, file: file, line: line)
        XCTAssertEqual(result[0..<cOffset].filter { $0 != -7 }.count, 0, label + ": wrote before C", file: file, line: line)
        XCTAssertEqual(result.suffix(4).filter { $0 != -7 }.count, 0, label + ": wrote after C", file: file, line: line)
        let lastRowEnd: Int = cOffset + (m - 1) * ldc + n
        XCTAssertEqual(
            result[lastRowEnd..<(cOffset + m * ldc)].filter { $0 != -7 }.count, 0, label + ": wrote past the last row",
            file: file, line: line)
    }

    static let extraPadding = 8

    func testPackedGEMMMatchesTheCPUProduct() throws {
        for backend in GEMMBackend.allCases {
            try check(backend: backend, m: 5, n: 50, k: 7, batch: 1, epilogue: false, relu: false, kChunk: 2304)
            try check(backend: backend, m: 9, n: 97, k: 20, batch: 1, epilogue: true, relu: true, kChunk: 2304)
            try check(backend: backend, m: 3, n: 48, k: 33, batch: 3, epilogue: false, relu: false, kChunk: 2304)
        }
        // K in ranges of 8 (accumulating into C, the epilogue only at the end), with and without ReLU.
        try check(backend: .packed, m: 6, n: 61, k: 29, batch: 1, epilogue: true, relu: true, kChunk: 8)
        try check(backend: .packed, m: 7, n: 13, k: 17, batch: 2, epilogue: false, relu: false, kChunk: 5)
    }
}
