import FastStyle
import XCTest

final class FastStyleModuleTests: XCTestCase {
    func testTheModuleLinks() {
        XCTAssertEqual(String(describing: FastStyle.self), "FastStyle")
    }
}
