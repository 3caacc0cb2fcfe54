import COpenCL
import Foundation

/// A compiled OpenCL program for one device.
///
/// Built from source the first time; the device binary is then stored in a `ProgramCache`
/// and later builds of the same source, options, device and driver load that binary.
public final class Program: @unchecked Sendable {
    public let handle: cl_program
    public let context: Context
    /// Whether the program came from the on-disk binary cache rather than the compiler.
    public let loadedFromCache: Bool

    public init(context: Context, source: String, options: String = "", cache: ProgramCache? = nil) throws {
        self.context = context
        let key = cache.map { $0.key(source: source, options: options, device: context.device.info) }
        if let cache, let key, let binary = cache.binary(for: key) {
            if let program = try? Program.fromBinary(binary, options: options, context: context) {
                self.handle = program
                self.loadedFromCache = true
                return
            }
            // A binary the driver refuses (another driver build, a damaged file) is discarded
            // and replaced by a fresh one below.
            cache.discard(key)
        }
        self.handle = try Program.fromSource(source, options: options, context: context)
        self.loadedFromCache = false
        if let cache, let key, let binary = try? Program.binary(of: handle) {
            cache.store(binary, for: key)
        }
    }

    deinit { clReleaseProgram(handle) }

    public func kernel(named name: String) throws -> Kernel { try Kernel(program: self, name: name) }

    static func fromSource(_ source: String, options: String, context: Context) throws -> cl_program {
        var status: cl_int = 0
        let program: cl_program? = source.withCString { text in
            var pointer: UnsafePointer<CChar>? = text
            var length = strlen(text)
            return clCreateProgramWithSource(context.handle, 1, &pointer, &length, &status)
        }
        guard let program else { throw CLError(call: "clCreateProgramWithSource", status: status) }
        try checkCL(status, "clCreateProgramWithSource")
        try build(program, options: options, context: context)
        return program
    }

    static func fromBinary(_ binary: [UInt8], options: String, context: Context) throws -> cl_program {
        var status: cl_int = 0
        var binaryStatus: cl_int = 0
        var deviceID: cl_device_id? = context.device.id
        let program: cl_program? = binary.withUnsafeBufferPointer { bytes in
            var pointer: UnsafePointer<UInt8>? = bytes.baseAddress
            var length = bytes.count
            return clCreateProgramWithBinary(
                context.handle, 1, &deviceID, &length, &pointer, &binaryStatus, &status)
        }
        guard let program else { throw CLError(call: "clCreateProgramWithBinary", status: status) }
        do {
            try checkCL(status, "clCreateProgramWithBinary")
            try checkCL(binaryStatus, "clCreateProgramWithBinary")
            try build(program, options: options, context: context)
        } catch {
            clReleaseProgram(program)
            throw error
        }
        return program
    }

    static func build(_ program: cl_program, options: String, context: Context) throws {
        var deviceID: cl_device_id? = context.device.id
        let status = clBuildProgram(program, 1, &deviceID, options, nil, nil)
        if status == CL_SUCCESS { return }
        let log = (try? buildLog(program, device: context.device.id)) ?? "(no build log)"
        clReleaseProgram(program)
        throw ProgramBuildError(status: status, options: options, log: log)
    }

    static func buildLog(_ program: cl_program, device: cl_device_id) throws -> String {
        var size = 0
        try checkCL(
            clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size),
            "clGetProgramBuildInfo")
        var bytes = [UInt8](repeating: 0, count: size + 1)
        try checkCL(
            clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, &bytes, nil),
            "clGetProgramBuildInfo")
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func binary(of program: cl_program) throws -> [UInt8] {
        var size = 0
        try checkCL(
            clGetProgramInfo(program, cl_program_info(CL_PROGRAM_BINARY_SIZES), MemoryLayout<Int>.size, &size, nil),
            "clGetProgramInfo")
        guard size > 0 else { return [] }
        var binary = [UInt8](repeating: 0, count: size)
        try binary.withUnsafeMutableBufferPointer { bytes in
            var pointer: UnsafeMutablePointer<UInt8>? = bytes.baseAddress
            try checkCL(
                clGetProgramInfo(
                    program, cl_program_info(CL_PROGRAM_BINARIES), MemoryLayout<UnsafeMutablePointer<UInt8>>.size,
                    &pointer, nil),
                "clGetProgramInfo")
        }
        return binary
    }
}

/// Compiled program binaries on disk, keyed by device, driver, options and source hash.
public struct ProgramCache: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// `$STYLIZE_GPU_CACHE_DIR/programs`, else `$XDG_CACHE_HOME/stylize-gpu/programs`,
    /// else `~/.cache/stylize-gpu/programs` (where none of these can be created, as for a
    /// service user without a home: `$TMPDIR/stylize-gpu-UID/programs`).
    public static func standard() -> ProgramCache {
        ProgramCache(directory: cacheRoot().appending(path: "programs"))
    }

    /// The root of the engine's caches (programs, tuned GEMM parameters).
    public static func cacheRoot() -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["STYLIZE_GPU_CACHE_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        let standard = CacheLocation.userCacheHome().appending(path: "stylize-gpu")
        return CacheLocation.usable(standard) ? standard : CacheLocation.temporaryRoot()
    }

    public func key(source: String, options: String, device: DeviceInfo) -> String {
        let identity = [device.platformName, device.platformVersion, device.name, device.driverVersion, options, source]
            .joined(separator: "\u{0}")
        return stableHash(identity)
    }

    /// Cache files start with this, then the binary's length and FNV-1a hash (8 bytes each,
    /// little-endian): a truncated or damaged file is recognised and never reaches the driver.
    static let magic: [UInt8] = Array("SGPCBIN1".utf8)
    static let headerSize = 24

    public func path(for key: String) -> URL { directory.appending(path: key + ".bin") }

    /// The stored binary, or nil (and the file removed) when it is missing, truncated or damaged.
    func binary(for key: String) -> [UInt8]? {
        guard let data = try? Data(contentsOf: path(for: key)) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count > Self.headerSize, Array(bytes[0..<8]) == Self.magic else {
            discard(key)
            return nil
        }
        let length = bytes[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let hash = bytes[16..<24].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let payload = Array(bytes[Self.headerSize...])
        guard length == UInt64(payload.count), hash == Self.hash(payload) else {
            discard(key)
            return nil
        }
        return payload
    }

    /// Removes a stored binary (damaged, or refused by the driver).
    func discard(_ key: String) { try? FileManager.default.removeItem(at: path(for: key)) }

    func store(_ binary: [UInt8], for key: String) {
        guard !binary.isEmpty else { return }
        // Written whole to a unique temporary, then renamed over the final name (atomic), so a
        // concurrent reader never sees half a binary.
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appending(path: key + ".\(getpid()).\(UUID().uuidString).tmp")
        var bytes = Self.magic
        for value in [UInt64(binary.count), Self.hash(binary)] {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        bytes += binary
        do {
            try Data(bytes).write(to: temporary)
            guard rename(temporary.path, path(for: key).path) == 0 else {
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
        }
    }

    /// 64-bit FNV-1a of bytes.
    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { buffer in
            var value: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in buffer { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            return value
        }
    }
}

/// A 128-bit FNV-1a digest in hex: stable across runs and platforms (unlike `Hasher`).
public func stableHash(_ text: String) -> String {
    var low: UInt64 = 0xcbf2_9ce4_8422_2325
    var high: UInt64 = 0x6c62_272e_07bb_0142
    for byte in text.utf8 {
        low = (low ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        high = (high ^ UInt64(byte) ^ (low >> 29)) &* 0x0000_0100_0000_01b3
    }
    return String(format: "%016llx%016llx", high, low)
}
