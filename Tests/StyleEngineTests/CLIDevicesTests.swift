import XCTest

final class CLIDevicesTests: XCTestCase {
    func testListsThePoCLDevice() throws {
        let result = try CLI.run(["devices"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("index"), result.stdout)
        XCTAssertTrue(result.stdout.contains("\n0  "), result.stdout)
        let json = try CLI.run(["devices", "--json"])
        let devices = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        XCTAssertEqual(devices?.first?["index"] as? Int, 0)
        XCTAssertNotNil(devices?.first?["hasHalfArithmetic"] as? Bool)
    }

    func testOutOfRangeDeviceIsAOneLineError() throws {
        let result = try CLI.run(["devices", "--device", "9"])
        XCTAssertNotEqual(result.status, 0)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("no OpenCL device 9: valid devices are 0 ("), result.stderr)
    }

    func testNoPlatformNamesThePackageToInstall() throws {
        // ocl-icd reads its drivers from OCL_ICD_VENDORS: an empty folder means none at all.
        let empty = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        let result = try CLI.run(["devices"], environment: ["OCL_ICD_VENDORS": empty.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("apt-get install pocl-opencl-icd"), result.stderr)
    }
}
