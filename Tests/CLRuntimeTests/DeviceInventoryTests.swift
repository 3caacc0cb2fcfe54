import CLRuntime
import XCTest

final class DeviceInventoryTests: XCTestCase {
    func testEnumeratesAtLeastOneDeviceWithStableIndices() throws {
        let devices = try DeviceInventory.allDevices()
        XCTAssertFalse(devices.isEmpty)
        XCTAssertEqual(devices.map(\.info.index), Array(devices.indices))
        for device in devices {
            XCTAssertFalse(device.info.name.isEmpty)
            XCTAssertGreaterThan(device.info.globalMemoryBytes, 0)
            XCTAssertGreaterThan(device.info.computeUnits, 0)
        }
        // A second enumeration numbers the same devices the same way.
        XCTAssertEqual(try DeviceInventory.allDevices().map(\.info), devices.map(\.info))
    }

    func testOutOfRangeIndexListsTheValidDevices() throws {
        let count = try DeviceInventory.allDevices().count
        XCTAssertThrowsError(try DeviceInventory.device(at: count + 8)) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.hasPrefix("no OpenCL device \(count + 8): valid devices are 0 ("), message)
            XCTAssertFalse(message.contains("\n"))
        }
    }
}
