import CLRuntime
import Kernels
import XCTest

final class ProgramTests: XCTestCase {
    func testEmbeddedKernelComputesAxpy() throws {
        let gpu = try TestDevice.make()
        var values = SeededValues(seed: 2)
        let n = 1001
        let x = values.array(n)
        let y = values.array(n)
        let xBuffer = try gpu.buffer(x)
        let yBuffer = try gpu.buffer(y)
        let axpy = try gpu.kernel("axpy", source: KernelSources.source(of: "elementwise"))
        try axpy.enqueue(on: gpu.queue, global: [n], local: [64], n, Float(0.75), xBuffer, yBuffer)
        let result = try yBuffer.download(queue: gpu.queue)
        for i in 0..<n { XCTAssertEqual(result[i], y[i] + 0.75 * x[i], accuracy: 1e-6) }
    }

    func testEveryEmbeddedFamilyCompiles() throws {
        let gpu = try TestDevice.make()
        XCTAssertFalse(KernelSources.families.isEmpty)
        for family in KernelSources.families {
            // Both storage precisions: float, and half storage without cl_khr_fp16.
            for options in ["", "-DSTORAGE_HALF=1"] {
                XCTAssertNoThrow(
                    try gpu.program(source: KernelSources.programSource(of: family), options: options),
                    "\(family) \(options)")
            }
        }
    }

    func testSyntaxErrorThrowsWithCompilerLog() throws {
        let gpu = try TestDevice.make()
        let broken = "__kernel void broken(__global float* x) { x[0] = undeclared_name + ; }"
        XCTAssertThrowsError(try gpu.program(source: broken)) { error in
            guard let buildError = error as? ProgramBuildError else {
                return XCTFail("expected ProgramBuildError, got \(error)")
            }
            XCTAssertEqual(openCLStatusName(buildError.status), "CL_BUILD_PROGRAM_FAILURE")
            XCTAssertTrue(buildError.log.contains("undeclared_name"), buildError.log)
            XCTAssertTrue(String(describing: error).contains("error"), "\(error)")
        }
    }

    func testSecondBuildComesFromDiskCache() throws {
        let directory = FileManager.default.temporaryDirectory
            .appending(path: "stylize-gpu-cache-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = ProgramCache(directory: directory)
        let gpu = try TestDevice.make()
        // A source unique to this run, so no earlier cache entry can answer the first build.
        let source = "__kernel void k(__global float* x) { x[0] = \(UInt32.random(in: 1...1_000_000)).0f; }"
        let first = try Program(context: gpu.context, source: source, options: "-DTUNE=1", cache: cache)
        XCTAssertFalse(first.loadedFromCache)
        let second = try Program(context: gpu.context, source: source, options: "-DTUNE=1", cache: cache)
        XCTAssertTrue(second.loadedFromCache)
        let otherOptions = try Program(context: gpu.context, source: source, options: "-DTUNE=2", cache: cache)
        XCTAssertFalse(otherOptions.loadedFromCache)

        // The cached binary runs and gives the same answer.
        let output = try gpu.buffer(Float.self, count: 1)
        try second.kernel(named: "k").enqueue(on: gpu.queue, global: [1], output)
        XCTAssertGreaterThan(try output.download(queue: gpu.queue)[0], 0)
    }

    func testUnknownKernelNameThrowsNamingIt() throws {
        let gpu = try TestDevice.make()
        XCTAssertThrowsError(try gpu.kernel("no_such_kernel", source: KernelSources.source(of: "elementwise"))) {
            XCTAssertEqual(String(describing: $0), "clCreateKernel(no_such_kernel): CL_INVALID_KERNEL_NAME")
        }
    }

    func testEventsCarryProfilingTimes() throws {
        let gpu = try TestDevice.make(profiling: true)
        let buffer = try gpu.buffer(Float.self, count: 4096)
        try buffer.fill(1, queue: gpu.queue)
        let scale = try gpu.kernel("scale_into", source: KernelSources.source(of: "elementwise"))
        let event = try scale.enqueue(
            on: gpu.queue, global: [4096], wantEvent: true, 4096, Float(2), buffer, buffer)
        XCTAssertNotNil(event)
        XCTAssertGreaterThan(try event?.durationNanoseconds() ?? 0, 0)
    }
}
