import CLRuntime
import Foundation

/// The median seconds of `repeats` runs of `body`, each waited for on `gpu`, after one run
/// that builds kernels and allocates (not counted).
func medianSeconds(gpu: ComputeDevice, repeats: Int, _ body: () throws -> Void) throws -> Double {
    try body()
    try gpu.finish()
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        try gpu.finish()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}
