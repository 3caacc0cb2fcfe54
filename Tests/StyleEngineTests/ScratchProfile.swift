import CLRuntime
import StyleEngine
import XCTest
import Foundation

final class ScratchProfile: XCTestCase {
    func testProfile() throws {
        guard let sizeText = ProcessInfo.processInfo.environment["SCRATCH_SIZE"], let size = Int(sizeText) else { throw XCTSkip() }
        let gpu = try ComputeDevice(device: DeviceInventory.device(at: 0))
        try GEMMTuning.prepare(gpu: gpu, mode: .cached)
        let library = KernelLibrary(gpu: gpu)
        let url = try VGG19Weights.locate(explicitPath: nil)
        let network = try VGG19Loader.network(library: library, weightsURL: url, convolutionCount: 13, pooling: .max)
        var random = TestRandom(seed: 1)
        let image = try gpu.buffer(random.array(3*size*size, scale: 50))
        let pass = try NetworkPass(network: network, height: size, width: size, layers: LossSettings().layers, backward: true)
        try pass.forward(image: image); try gpu.finish()
        var t = Date()
        for _ in 0..<3 { try pass.forward(image: image) }; try gpu.finish()
        print("forward", Date().timeIntervalSince(t)/3)
        let grad = try gpu.buffer(Float.self, count: 3*size*size)
        t = Date()
        for _ in 0..<3 { try pass.backward(imageGradient: grad) { _, _ in } }; try gpu.finish()
        print("backward", Date().timeIntervalSince(t)/3)
        // per conv layer forward timing
        for (i, conv) in network.convolutions.enumerated() {
            let block = VGG19Layers.all.first { $0.kind == .convolution(i) }!.block
            let h = size >> block
            let inp = StoredBuffer.float(try gpu.buffer(Float.self, count: conv.inChannels*h*h))
            let out = StoredBuffer.float(try gpu.buffer(Float.self, count: conv.outChannels*h*h))
            let scratch = ConvScratch(columns: try gpu.buffer(Float.self, count: conv.inChannels*9*h*h), weights: nil, outputBand: nil)
            try Conv3x3.forward(library: library, layer: conv, input: inp, height: h, width: h, output: out, scratch: scratch, relu: true); try gpu.finish()
            t = Date()
            try Conv3x3.forward(library: library, layer: conv, input: inp, height: h, width: h, output: out, scratch: scratch, relu: true); try gpu.finish()
            let dt = Date().timeIntervalSince(t)
            let flops = 2.0*Double(conv.outChannels*conv.inChannels*9*h*h)
            // GEMM alone
            let a = try gpu.buffer(Float.self, count: conv.outChannels*conv.inChannels*9)
            t = Date()
            try GEMM.sgemm(queue: gpu.queue, m: conv.outChannels, n: h*h, k: conv.inChannels*9, a: a, b: scratch.columns, c: try gpu.buffer(Float.self, count: conv.outChannels*h*h)); try gpu.finish()
            let g = Date().timeIntervalSince(t)
            print(String(format: "conv %d (%dx%d, %d->%d): %.1f ms, %.1f GFLOP/s; gemm alone %.1f ms", i, h, h, conv.inChannels, conv.outChannels, dt*1000, flops/dt/1e9, g*1000))
        }
    }
}
