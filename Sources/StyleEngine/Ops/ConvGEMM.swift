import CLRuntime
import Foundation

/// C = A·B for the convolutions, through the library's GEMM backend.
///
/// Shapes: A [batch][M][K] in panels of `panelRows` rows (`pack_panels` in kernels/gemm.cl;
/// one row per panel is plain row-major), B [batch][K][ldb] with ldb ≥ `paddedColumns(N)`,
/// C [batch][M][ldc] at `cOffset`. The epilogue adds bias[m] and applies ReLU.
public enum ConvGEMM {
    /// Rows per A panel and columns per C tile of kernels/gemm.cl (GEMM_MR, 8·GEMM_NV).
    static let tileRows = 4
    static let tileColumns = 48
    /// The longest k range one packed launch covers: beyond it the B panel (K × 48 floats)
    /// leaves the CPU's L2 cache and the kernel runs ~35 % slower, so K is split and C accumulated.
    public static let defaultKChunk = 2304

    /// The kernels' build options that fix the tile (the Swift side must agree with them).
    static var buildOptions: String { "-DGEMM_MR=\(tileRows) -DGEMM_NV=\(tileColumns / 8)" }

    public struct Epilogue {
        public let bias: Buffer<Float>
        public let relu: Bool
        public init(bias: Buffer<Float>, relu: Bool) {
            self.bias = bias
            self.relu = relu
        }
    }

    /// Rows of each panel of a packed A.
    public static func panelRows(_ library: KernelLibrary) -> Int { library.gemm == .packed ? tileRows : 1 }

    /// `rows` rounded up to whole panels: the row count a packed A is allocated with.
    public static func paddedRows(_ rows: Int, library: KernelLibrary) -> Int {
        let panel = panelRows(library)
        return (rows + panel - 1) / panel * panel
    }

    /// The smallest ldb for a B of `columns` columns.
    public static func paddedColumns(_ columns: Int, library: KernelLibrary) -> Int {
        library.gemm == .packed ? (columns + tileColumns - 1) / tileColumns * tileColumns : columns
    }

    /// packed ← source [rows × cols] (stored precision), in panels for this backend.
    public static func pack(
        library: KernelLibrary, rows: Int, cols: Int, source: StoredBuffer, into packed: Buffer<Float>
    ) throws {
        try library.kernel("gemm", "pack_panels").enqueue(
            on: library.queue, global: [cols, rows], rows, cols, panelRows(library), source, packed)
    }

    /// C = A·B (+ epilogue) for `batch` products; strides between products in elements.
    public static func multiply(
        library: KernelLibrary, m: Int, n: Int, k: Int, a: Buffer<Float>, aStride: Int = 0,
        b: Buffer<Float>, ldb: Int, bStride: Int = 0, c: Buffer<Float>, cOffset: Int = 0, ldc: Int, cStride: Int = 0,
        batch: Int = 1, epilogue: Epilogue? = nil, kChunk: Int = defaultKChunk
    ) throws {
        switch library.gemm {
        case .packed:
            precondition(ldb >= paddedColumns(n, library: library), "B's rows must be padded to whole tiles")
            let kernel = try library.kernel("gemm", "gemm_packed")
            let global = [(m + tileRows - 1) / tileRows, (n + tileColumns - 1) / tileColumns, batch]
            var kBegin = 0
            repeat {
                let kEnd = min(k, kBegin + kChunk)
                let last = kEnd == k
                try kernel.enqueue(
                    on: library.queue, global: global, local: [1, 1, 1], m, n, k, kBegin, kEnd, a, aStride, b, ldb,
                    bStride, c, cOffset, ldc, cStride, kBegin > 0 ? 1 : 0, last && epilogue != nil ? 1 : 0,
                    epilogue?.bias ?? c, last && epilogue?.relu == true ? 1 : 0)
                kBegin = kEnd
            } while kBegin < k
        case .clblast:
            if batch == 1 {
                try GEMM.sgemm(
                    queue: library.queue, m: m, n: n, k: k, a: a, b: b, ldb: ldb, c: c, cOffset: cOffset, ldc: ldc)
            } else {
                try GEMM.sgemmStridedBatched(
                    queue: library.queue, m: m, n: n, k: k, a: a, aStride: aStride, b: b, ldb: ldb, bStride: bStride,
                    c: c, cOffset: cOffset, ldc: ldc, cStride: cStride, batchCount: batch)
            }
            if let epilogue {
                precondition(batch == 1, "an epilogue applies to a single product")
                try library.kernel("relu", "bias_relu_region").enqueue(
                    on: library.queue, global: [n, m], m, n, cOffset, ldc, epilogue.relu ? 1 : 0, epilogue.bias, c)
            }
        }
    }
}
