/// Everything an engine needs to run on one device: context, queue, and compiled
/// programs (built once per family and options, in memory and on disk).
public final class ComputeDevice: @unchecked Sendable {
    public let device: Device
    public let context: Context
    public let queue: CommandQueue
    public let programCache: ProgramCache?
    private var programs: [String: Program] = [:]
    private var kernels: [String: Kernel] = [:]

    /// `memoryLimit`: the most bytes the engine's buffers may hold at once (nil: no cap but the device's).
    public init(
        device: Device, profiling: Bool = false, programCache: ProgramCache? = .standard(), memoryLimit: Int? = nil
    ) throws {
        self.device = device
        self.context = try Context(device: device, memoryLimit: memoryLimit)
        self.queue = try CommandQueue(context: context, profiling: profiling)
        self.programCache = programCache
    }

    public var info: DeviceInfo { device.info }

    /// Bytes runs may plan for: the device's memory, or less under the context's memory limit.
    public var memoryBudget: Int { min(Int(clamping: info.globalMemoryBytes), context.memoryLimit ?? .max) }

    /// The program for `source` built with `options`, compiled at most once per device.
    public func program(source: String, options: String = "") throws -> Program {
        let key = stableHash(options + "\u{0}" + source)
        if let program = programs[key] { return program }
        let program = try Program(context: context, source: source, options: options, cache: programCache)
        programs[key] = program
        return program
    }

    /// The kernel `name` of that program, created once and reused.
    public func kernel(_ name: String, source: String, options: String = "") throws -> Kernel {
        let key = stableHash(name + "\u{0}" + options + "\u{0}" + source)
        if let kernel = kernels[key] { return kernel }
        let kernel = try program(source: source, options: options).kernel(named: name)
        kernels[key] = kernel
        return kernel
    }

    public func buffer<Element: BitwiseCopyable>(_ type: Element.Type = Element.self, count: Int) throws
        -> Buffer<Element>
    { try Buffer<Element>(context: context, count: count) }

    public func buffer<Element: BitwiseCopyable>(_ values: [Element]) throws -> Buffer<Element> {
        try Buffer<Element>(queue: queue, values: values)
    }

    public func finish() throws { try queue.finish() }
}
