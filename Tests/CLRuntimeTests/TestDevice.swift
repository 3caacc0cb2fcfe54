import CLRuntime
import XCTest

/// The device tests run on: `STYLIZE_GPU_TEST_DEVICE` (default 0, PoCL's CPU in CI).
enum TestDevice {
    static func device() throws -> Device {
        try DeviceInventory.device(at: Int(ProcessInfo.processInfo.environment["STYLIZE_GPU_TEST_DEVICE"] ?? "") ?? 0)
    }

    static func make(profiling: Bool = false) throws -> ComputeDevice {
        try ComputeDevice(device: device(), profiling: profiling)
    }
}

/// Deterministic pseudo-random floats in [-1, 1) for test inputs.
struct SeededValues {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> Float {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(state >> 40) / Float(1 << 23) - 1
    }
    mutating func array(_ count: Int) -> [Float] { (0..<count).map { _ in next() } }
}
