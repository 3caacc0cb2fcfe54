import Foundation
import StyleEngine
import XCTest

/// A test case for runs of the CLI: a fresh folder per test (`path(name)` names a file in it),
/// removed after, and the test skipped when the VGG19 weights are not fetched unless the class
/// says it does not need them.
class CLITestCase: XCTestCase {
    var directory: URL!

    /// Whether the class's tests run the network (and so need the weights).
    class var needsWeights: Bool { true }

    /// How long each process the class's tests start may run before it is killed and the test
    /// fails: a minute, more for classes whose runs are large by design.
    class var processTimeout: TimeInterval { CLI.defaultTimeout }

    override func setUpWithError() throws {
        CLI.currentTimeout = Self.processTimeout
        if Self.needsWeights, (try? VGG19Weights.locate(explicitPath: nil)) == nil {
            throw XCTSkip("VGG19 weights are not fetched (scripts/fetch-weights); scripts/test fetches them")
        }
        directory = try CLI.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        CLI.currentTimeout = CLI.defaultTimeout
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    func path(_ name: String) -> String { directory.appending(path: name).path }
}
