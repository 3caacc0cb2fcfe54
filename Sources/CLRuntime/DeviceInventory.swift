import COpenCL
import Foundation

/// What the engine knows about one OpenCL device, read once at enumeration.
public struct DeviceInfo: Sendable, Codable, Equatable {
    /// The stable global index across all platforms: what `--device N` selects.
    public let index: Int
    public let platformName: String
    public let platformVersion: String
    public let name: String
    public let vendor: String
    public let type: String
    public let driverVersion: String
    public let deviceVersion: String
    public let globalMemoryBytes: UInt64
    public let maxAllocationBytes: UInt64
    public let localMemoryBytes: UInt64
    public let computeUnits: Int
    public let maxWorkGroupSize: Int
    /// Whether the device advertises half arithmetic (`cl_khr_fp16`).
    public let hasHalfArithmetic: Bool

    /// CPU devices (PoCL) get the engine's CPU-shaped kernels and CLBlast's CPU tiling.
    public var isCPU: Bool { type == "CPU" }
}

/// An OpenCL device together with its description.
public struct Device: @unchecked Sendable {
    public let id: cl_device_id
    public let platform: cl_platform_id
    public let info: DeviceInfo
}

/// Enumerates every device of every type on every platform, in a stable order
/// (platforms in ICD order, devices in platform order).
public enum DeviceInventory {
    /// The reason there is no device to run on; the message says what to install.
    public struct NoPlatform: Error, CustomStringConvertible {
        /// What else is wrong that can hide an installed driver (an unusable cache folder).
        public var diagnosis: String? = CacheLocation.diagnosis()
        public var description: String {
            if let diagnosis {
                return "no OpenCL platform found, and \(diagnosis) (a driver may be installed but unable to start)"
            }
            return "no OpenCL platform found: install an OpenCL driver (for the CPU: apt-get install pocl-opencl-icd)"
        }
    }

    /// A `--device` index that names no device.
    public struct NoSuchDevice: Error, CustomStringConvertible {
        public let requested: Int
        public let available: [DeviceInfo]
        public var description: String {
            let list = available.map { "\($0.index) (\($0.name))" }.joined(separator: ", ")
            return "no OpenCL device \(requested): valid devices are \(list)"
        }
    }

    public static func allDevices() throws -> [Device] {
        CacheLocation.preparePoCLCache()
        var platformCount: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &platformCount)
        // The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR when no driver is installed.
        if status == -1001 || platformCount == 0 { throw NoPlatform() }
        try checkCL(status, "clGetPlatformIDs")
        var platforms = [cl_platform_id?](repeating: nil, count: Int(platformCount))
        try checkCL(clGetPlatformIDs(platformCount, &platforms, nil), "clGetPlatformIDs")

        var devices: [Device] = []
        for case let platform? in platforms {
            var deviceCount: cl_uint = 0
            let countStatus = clGetDeviceIDs(
                platform, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &deviceCount)
            if countStatus == CL_DEVICE_NOT_FOUND { continue }
            try checkCL(countStatus, "clGetDeviceIDs")
            var ids = [cl_device_id?](repeating: nil, count: Int(deviceCount))
            try checkCL(
                clGetDeviceIDs(platform, cl_device_type(CL_DEVICE_TYPE_ALL), deviceCount, &ids, nil),
                "clGetDeviceIDs")
            for case let id? in ids {
                let info = try describe(id, platform: platform, index: devices.count)
                devices.append(Device(id: id, platform: platform, info: info))
            }
        }
        if devices.isEmpty { throw NoPlatform() }
        return devices
    }

    /// The device with global index `index`, or an error listing the valid ones.
    public static func device(at index: Int) throws -> Device {
        let devices = try allDevices()
        guard devices.indices.contains(index) else {
            throw NoSuchDevice(requested: index, available: devices.map(\.info))
        }
        return devices[index]
    }

    static func describe(_ id: cl_device_id, platform: cl_platform_id, index: Int) throws -> DeviceInfo {
        let typeBits: cl_device_type = try deviceValue(id, CL_DEVICE_TYPE)
        let extensions = try deviceString(id, CL_DEVICE_EXTENSIONS)
        return DeviceInfo(
            index: index,
            platformName: try platformString(platform, CL_PLATFORM_NAME),
            platformVersion: try platformString(platform, CL_PLATFORM_VERSION),
            name: try deviceString(id, CL_DEVICE_NAME),
            vendor: try deviceString(id, CL_DEVICE_VENDOR),
            type: typeName(typeBits),
            driverVersion: try deviceString(id, CL_DRIVER_VERSION),
            deviceVersion: try deviceString(id, CL_DEVICE_VERSION),
            globalMemoryBytes: try deviceValue(id, CL_DEVICE_GLOBAL_MEM_SIZE),
            maxAllocationBytes: try deviceValue(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
            localMemoryBytes: try deviceValue(id, CL_DEVICE_LOCAL_MEM_SIZE),
            computeUnits: Int(try deviceValue(id, CL_DEVICE_MAX_COMPUTE_UNITS) as cl_uint),
            maxWorkGroupSize: Int(try deviceValue(id, CL_DEVICE_MAX_WORK_GROUP_SIZE) as Int),
            hasHalfArithmetic: extensions.split(separator: " ").contains("cl_khr_fp16"))
    }

    static func typeName(_ bits: cl_device_type) -> String {
        if bits & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 { return "GPU" }
        if bits & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 { return "CPU" }
        if bits & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 { return "accelerator" }
        return "other"
    }

    static func deviceValue<T: BitwiseCopyable>(_ id: cl_device_id, _ param: Int32) throws -> T {
        return try withUnsafeTemporaryAllocation(of: T.self, capacity: 1) { pointer in
            try checkCL(
                clGetDeviceInfo(id, cl_device_info(param), MemoryLayout<T>.size, pointer.baseAddress, nil),
                "clGetDeviceInfo")
            return pointer[0]
        }
    }

    static func deviceString(_ id: cl_device_id, _ param: Int32) throws -> String {
        var size = 0
        try checkCL(clGetDeviceInfo(id, cl_device_info(param), 0, nil, &size), "clGetDeviceInfo")
        var bytes = [CChar](repeating: 0, count: size + 1)
        try checkCL(clGetDeviceInfo(id, cl_device_info(param), size, &bytes, nil), "clGetDeviceInfo")
        return trimmed(bytes)
    }

    static func platformString(_ platform: cl_platform_id, _ param: Int32) throws -> String {
        var size = 0
        try checkCL(clGetPlatformInfo(platform, cl_platform_info(param), 0, nil, &size), "clGetPlatformInfo")
        var bytes = [CChar](repeating: 0, count: size + 1)
        try checkCL(
            clGetPlatformInfo(platform, cl_platform_info(param), size, &bytes, nil), "clGetPlatformInfo")
        return trimmed(bytes)
    }

    static func trimmed(_ bytes: [CChar]) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        let text = String(decoding: bytes[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.trimmingCharacters(in: .whitespaces)
    }
}
