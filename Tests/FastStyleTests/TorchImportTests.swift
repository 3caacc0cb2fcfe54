import FastStyle
import Foundation
import XCTest

/// scripts/import-torch-model end to end. It needs PyTorch: set STYLIZE_GPU_TORCH_PYTHON to a
/// Python that has torch and safetensors, or the test is skipped.
final class TorchImportTests: XCTestCase {
    func testImportedStateDictLoadsWithTheSameTensors() throws {
        guard let python = ProcessInfo.processInfo.environment["STYLIZE_GPU_TORCH_PYTHON"], !python.isEmpty else {
            throw XCTSkip("set STYLIZE_GPU_TORCH_PYTHON to a Python with torch and safetensors")
        }
        let directory = FileManager.default.temporaryDirectory.appending(path: "torch-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = directory.appending(path: "mosaic.pth").path
        let output = directory.appending(path: "mosaic.safetensors").path
        // An old-style checkpoint: the fixture's state dict plus running statistics.
        try run(python, [
            "-c",
            """
            import sys, torch; from safetensors.torch import load_file
            state = load_file(sys.argv[1]); state["in1.running_mean"] = torch.zeros(32); state["res5.in2.running_var"] = torch.ones(128)
            torch.save(state, sys.argv[2])
            """,
            FastFixtures.plainModel, checkpoint,
        ])
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "scripts/import-torch-model").path
        try run(python, [script, checkpoint, output])
        let imported = try TransformerModel.load(path: output)
        let fixture = try TransformerModel.load(path: FastFixtures.plainModel)
        XCTAssertEqual(imported.tensors, fixture.tensors)
        XCTAssertEqual(imported.styleNames, ["mosaic"])
        XCTAssertEqual(imported.training?.trainer, "pytorch/examples fast_neural_style")
        XCTAssertEqual(imported.training?.lossNetwork, "torchvision VGG16")
        XCTAssertEqual(imported.metadata["source"], "mosaic.pth")
        // The input is never overwritten.
        XCTAssertThrowsError(try run(python, [script, checkpoint, checkpoint]))
    }

    private func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        struct Failed: Error { let status: Int32 }
        guard process.terminationStatus == 0 else { throw Failed(status: process.terminationStatus) }
    }
}
