import CLRuntime
import FastStyle
import StyleEngine
import TestSupport
import XCTest

/// One DeviceAdam over a ParameterTable's flat buffer steps every tensor as torch.optim.Adam
/// would, with the β and ε given (training uses other values than the image optimizer).
final class ParameterAdamTests: XCTestCase {
    func testAdamStepsEveryTensorOfTheFlatBuffer() throws {
        let library = try FastTestDevice.library()
        var random = TestRandom(seed: 71)
        let tensors = ["a.weight": random.array(5), "b.bias": random.array(3)]
        let table = try ParameterTable(
            library: library, entries: [(name: "a.weight", count: 5), (name: "b.bias", count: 3)], tensors: tensors)
        try table.makeGradients()
        let (rate, beta1, beta2, epsilon) = (0.01, 0.8, 0.99, 1e-6)
        let adam = try DeviceAdam(
            library: library, count: table.count, learningRate: Float(rate), beta1: Float(beta1), beta2: Float(beta2),
            epsilon: Float(epsilon))
        var x = doubles(tensors["a.weight"]! + tensors["b.bias"]!)
        var m = [Double](repeating: 0, count: x.count), v = m
        for step in 1...3 {
            let gradient = random.array(x.count)
            try table.gradient("a.weight").upload(Array(gradient[0..<5]), queue: library.queue)
            try table.gradient("b.bias").upload(Array(gradient[5...]), queue: library.queue)
            try adam.update(image: table.values, gradient: table.gradients!, scalars: [])
            for i in x.indices {
                let g = Double(gradient[i])
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                let corrected1 = 1 - pow(beta1, Double(step)), corrected2 = 1 - pow(beta2, Double(step))
                x[i] -= rate / corrected1 * m[i] / ((v[i] / corrected2).squareRoot() + epsilon)
            }
        }
        let values = try table.download()
        assertClose(values["a.weight"]! + values["b.bias"]!, floats(x), relative: 1e-5)
    }

    func testTableRefusesAMissingOrMisSizedTensor() throws {
        let library = try FastTestDevice.library()
        XCTAssertThrowsError(try ParameterTable(library: library, entries: [(name: "w", count: 2)], tensors: ["w": [1]])) {
            XCTAssertEqual($0 as? FastStyleError, .parameter("w holds 1 values, 2 expected"))
        }
    }
}
