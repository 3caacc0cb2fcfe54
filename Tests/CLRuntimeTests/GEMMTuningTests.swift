import CLRuntime
import XCTest

final class GEMMTuningTests: XCTestCase {
    func testSearchPicksACorrectCandidateAndCachesIt() throws {
        let gpu = try TestDevice.make()
        let directory = FileManager.default.temporaryDirectory.appending(path: "gemm-tuning-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let chosen = try GEMMTuning.prepare(gpu: gpu, mode: .search, cacheDirectory: directory)
        XCTAssertNotNil(chosen)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        XCTAssertEqual(files.count, 1)
        let choice = try JSONDecoder().decode(
            GEMMTuning.Choice.self, from: Data(contentsOf: directory.appending(path: files[0])))
        XCTAssertEqual(choice.parameters, chosen)
        XCTAssertGreaterThan(choice.gflops, 0)
        XCTAssertEqual(choice.measured.values.max(), choice.gflops)
        // A later prepare applies the cached choice without measuring again.
        XCTAssertEqual(try GEMMTuning.prepare(gpu: gpu, mode: .cached, cacheDirectory: directory), chosen)

        // Whatever was chosen, GEMM still computes right.
        let a = try gpu.buffer([Float](repeating: 1, count: 6)), b = try gpu.buffer([Float](repeating: 2, count: 6))
        let c = try gpu.buffer(Float.self, count: 4)
        try GEMM.sgemm(queue: gpu.queue, m: 2, n: 2, k: 3, a: a, b: b, c: c)
        XCTAssertEqual(try c.download(queue: gpu.queue), [6, 6, 6, 6])
    }

    func testCachedModeWithoutACacheAppliesTheBuiltInDefault() throws {
        let gpu = try TestDevice.make()
        let directory = FileManager.default.temporaryDirectory.appending(path: "gemm-tuning-\(UUID().uuidString)")
        XCTAssertEqual(
            try GEMMTuning.prepare(gpu: gpu, mode: .cached, cacheDirectory: directory),
            GEMMTuning.builtInDefault(for: gpu.info))
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.path))
        XCTAssertNil(try GEMMTuning.prepare(gpu: gpu, mode: .off, cacheDirectory: directory))
    }
}
