import COpenCL
import Foundation

/// A failed CLBlast call, with CLBlast's status (OpenCL's codes plus its own).
public struct CLBlastError: Error, CustomStringConvertible, Equatable {
    public let call: String
    public let status: Int32
    public var description: String { "\(call): \(CLBlastError.statusName(status))" }

    static func statusName(_ status: Int32) -> String {
        switch status {
        case -1024: "CLBlastNotImplemented"
        case -1022: "CLBlastInvalidMatrixA"
        case -1021: "CLBlastInvalidMatrixB"
        case -1020: "CLBlastInvalidMatrixC"
        case -1017: "CLBlastInvalidDimension"
        case -1016: "CLBlastInvalidLeadDimA"
        case -1015: "CLBlastInvalidLeadDimB"
        case -1014: "CLBlastInvalidLeadDimC"
        case -1011: "CLBlastInsufficientMemoryA"
        case -1010: "CLBlastInsufficientMemoryB"
        case -1009: "CLBlastInsufficientMemoryC"
        case -2050: "CLBlastInsufficientMemoryTemp"
        case -2049: "CLBlastInvalidBatchCount"
        case -2048: "CLBlastInvalidOverrideKernel"
        case -2047: "CLBlastMissingOverrideParameter"
        case -2046: "CLBlastInvalidLocalMemUsage"
        case -2045: "CLBlastNoHalfPrecision"
        case -2044: "CLBlastNoDoublePrecision"
        case -2041: "CLBlastDatabaseError"
        case -2040: "CLBlastUnknownError"
        case -2039: "CLBlastUnexpectedError"
        default: openCLStatusName(status)
        }
    }
}

@inline(__always)
func checkCLBlast(_ status: CLBlastStatusCode, _ call: @autoclosure () -> String) throws {
    if status != CLBlastSuccess { throw CLBlastError(call: call(), status: status.rawValue) }
}

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    case no, yes
    var clblast: CLBlastTranspose { self == .no ? CLBlastTransposeNo : CLBlastTransposeYes }
}

/// Row-major single-precision matrix products through CLBlast, on the caller's queue.
public enum GEMM {
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major.
    ///
    /// `lda`, `ldb`, `ldc` default to the packed row lengths of A, B and C as stored.
    public static func sgemm(
        queue: CommandQueue, transposeA: Transpose = .no, transposeB: Transpose = .no,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: Buffer<Float>, aOffset: Int = 0, lda: Int? = nil,
        b: Buffer<Float>, bOffset: Int = 0, ldb: Int? = nil,
        beta: Float = 0, c: Buffer<Float>, cOffset: Int = 0, ldc: Int? = nil
    ) throws {
        var queueHandle: cl_command_queue? = queue.handle
        let status = CLBlastSgemm(
            CLBlastLayoutRowMajor, transposeA.clblast, transposeB.clblast, m, n, k, alpha,
            a.handle, aOffset, lda ?? (transposeA == .no ? k : m),
            b.handle, bOffset, ldb ?? (transposeB == .no ? n : k),
            beta, c.handle, cOffset, ldc ?? n, &queueHandle, nil)
        try checkCLBlast(status, "CLBlastSgemm(\(m)×\(n)×\(k))")
    }

    /// `batchCount` independent products, operand i starting at `offset + i·stride`.
    public static func sgemmStridedBatched(
        queue: CommandQueue, transposeA: Transpose = .no, transposeB: Transpose = .no,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: Buffer<Float>, aOffset: Int = 0, lda: Int? = nil, aStride: Int,
        b: Buffer<Float>, bOffset: Int = 0, ldb: Int? = nil, bStride: Int,
        beta: Float = 0, c: Buffer<Float>, cOffset: Int = 0, ldc: Int? = nil, cStride: Int,
        batchCount: Int
    ) throws {
        var queueHandle: cl_command_queue? = queue.handle
        let status = CLBlastSgemmStridedBatched(
            CLBlastLayoutRowMajor, transposeA.clblast, transposeB.clblast, m, n, k, alpha,
            a.handle, aOffset, lda ?? (transposeA == .no ? k : m), aStride,
            b.handle, bOffset, ldb ?? (transposeB == .no ? n : k), bStride,
            beta, c.handle, cOffset, ldc ?? n, cStride, batchCount, &queueHandle, nil)
        try checkCLBlast(status, "CLBlastSgemmStridedBatched(\(batchCount)×\(m)×\(n)×\(k))")
    }

    /// Drops CLBlast's compiled kernels, so that parameters overridden after it take effect.
    public static func clearCache() throws { try checkCLBlast(CLBlastClearCache(), "CLBlastClearCache") }

    /// Replaces CLBlast's tuning parameters for one of its kernels (e.g. "Xgemm") on a device.
    public static func overrideParameters(
        device: Device, kernel: String, parameters: [(name: String, value: Int)]
    ) throws {
        let names = parameters.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        var namePointers: [UnsafePointer<CChar>?] = names.map { UnsafePointer($0) }
        var values = parameters.map { $0.value }
        let status = CLBlastOverrideParameters(
            device.id, kernel, CLBlastPrecisionSingle, parameters.count, &namePointers, &values)
        try checkCLBlast(status, "CLBlastOverrideParameters(\(kernel))")
    }
}
