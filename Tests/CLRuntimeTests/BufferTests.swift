import CLRuntime
import XCTest

final class BufferTests: XCTestCase {
    func testRoundTripOfOddSizes() throws {
        let gpu = try TestDevice.make()
        var values = SeededValues(seed: 1)
        for count in [1, 3, 17, 1023, 65_537] {
            let host = values.array(count)
            let buffer = try gpu.buffer(host)
            XCTAssertEqual(try buffer.download(queue: gpu.queue), host, "count \(count)")
        }
        let halves: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 1, 0x8001]
        XCTAssertEqual(try gpu.buffer(halves).download(queue: gpu.queue), halves)
    }

    func testPartialUploadDownloadFillAndCopy() throws {
        let gpu = try TestDevice.make()
        let buffer = try gpu.buffer(Float.self, count: 11)
        try buffer.fill(2.5, queue: gpu.queue)
        try buffer.upload([7, 8, 9], offset: 4, queue: gpu.queue)
        XCTAssertEqual(try buffer.download(queue: gpu.queue), [2.5, 2.5, 2.5, 2.5, 7, 8, 9, 2.5, 2.5, 2.5, 2.5])
        XCTAssertEqual(try buffer.download(offset: 5, count: 2, queue: gpu.queue), [8, 9])

        let copy = try gpu.buffer(Float.self, count: 5)
        try copy.fill(0, queue: gpu.queue)
        try copy.copy(from: buffer, sourceOffset: 3, offset: 1, count: 3, queue: gpu.queue)
        XCTAssertEqual(try copy.download(queue: gpu.queue), [0, 2.5, 7, 8, 0])
    }

    func testAMemoryLimitRefusesTheBufferThatWouldPassIt() throws {
        let gpu = try ComputeDevice(device: TestDevice.device(), memoryLimit: 4096)
        let kept = try gpu.buffer(Float.self, count: 768)
        XCTAssertThrowsError(try gpu.buffer(Float.self, count: 257)) { error in
            XCTAssertEqual(
                error as? MemoryLimitExceeded, MemoryLimitExceeded(requestedBytes: 1028, allocatedBytes: 3072, limitBytes: 4096))
        }
        XCTAssertEqual(gpu.context.allocatedBytes, 3072)
        XCTAssertNoThrow(try gpu.buffer(Float.self, count: 256))
        XCTAssertEqual(gpu.context.peakAllocatedBytes, 4096)
        _ = kept
    }

    func testContextCountsLiveAndPeakBytes() throws {
        let gpu = try TestDevice.make()
        let before = gpu.context.allocatedBytes
        do {
            let a = try gpu.buffer(Float.self, count: 1000)
            let b = try gpu.buffer(UInt16.self, count: 1000)
            XCTAssertEqual(gpu.context.allocatedBytes - before, a.byteCount + b.byteCount)
        }
        XCTAssertEqual(gpu.context.allocatedBytes, before)
        XCTAssertGreaterThanOrEqual(gpu.context.peakAllocatedBytes, before + 6000)
    }

    func testOversizedBufferThrowsNamingTheCall() throws {
        let gpu = try TestDevice.make()
        let tooMany = Int(gpu.info.maxAllocationBytes / 4) + 1_000_000_000
        XCTAssertThrowsError(try gpu.buffer(Float.self, count: tooMany)) { error in
            let clError = error as? CLError
            XCTAssertEqual(clError?.call, "clCreateBuffer")
            XCTAssertTrue(String(describing: error).hasPrefix("clCreateBuffer: CL_"), "\(error)")
        }
    }
}
