import CLRuntime

/// Scalars that live on the device: sums, dot products and optimizer coefficients.
///
/// Each slot has REDUCE_GROUPS partial sums (written by a reduction kernel's first pass) and
/// one finished value in `values`. Components reserve their slots at setup; inside the
/// optimization loop nothing is allocated and the host reads `values` at most once per
/// iteration.
public final class DeviceScalars: @unchecked Sendable {
    let library: KernelLibrary
    public private(set) var capacity = 0
    public private(set) var partials: Buffer<Float>
    public private(set) var values: Buffer<Float>

    public init(library: KernelLibrary) throws {
        self.library = library
        partials = try library.gpu.buffer(Float.self, count: library.reduceGroups)
        values = try library.gpu.buffer(Float.self, count: 1)
    }

    /// Reserves `count` consecutive slots (zero) and returns the first; only during setup.
    /// Values already held are kept when the buffers grow.
    public func reserve(_ count: Int) throws -> Int {
        let first = capacity
        capacity += count
        if capacity > values.count || capacity * library.reduceGroups > partials.count {
            let grown = try library.gpu.buffer(Float.self, count: capacity)
            try grown.fill(0, queue: library.queue)
            if first > 0 { try grown.copy(from: values, count: first, queue: library.queue) }
            values = grown
            partials = try library.gpu.buffer(Float.self, count: capacity * library.reduceGroups)
        } else {
            try values.fill(0, offset: first, count: count, queue: library.queue)
        }
        return first
    }

    /// Gives back every slot from `first` on (reserved by a run or scale that has ended), so a
    /// session serving many runs does not grow; the buffers keep their size for the next.
    public func release(from first: Int) {
        precondition(first >= 0 && first <= capacity)
        capacity = first
    }

    /// Runs `body`, then gives back every slot reserved during it.
    public func scoped<T>(_ body: () throws -> T) rethrows -> T {
        let first = capacity
        defer { release(from: first) }
        return try body()
    }

    /// values[outSlot ..< outSlot+count] = Σ partials of slots slot0 ..< slot0+count, each times
    /// the values of the (at most two) factor slots given; a negative slot counts as 1.
    public func finish(_ slot0: Int, count: Int = 1, into outSlot: Int? = nil, times factors: [Int] = []) throws {
        precondition(factors.count <= 2)
        try library.kernel("reduce", "finish_sums").enqueue(
            on: library.queue, global: [count], slot0, count, partials, values, outSlot ?? slot0,
            factors.first ?? -1, factors.dropFirst().first ?? -1)
    }

    /// values[slot] += Σ partials of `slot`: the next piece of a sum taken in pieces (the
    /// first piece `finish`es).
    public func accumulate(_ slot: Int) throws {
        try library.kernel("reduce", "add_sums").enqueue(on: library.queue, global: [1], slot, partials, values, slot)
    }

    /// values[outSlot] = multiplier · max |a| (1 where a is all zero).
    public func maxAbsolute(_ a: Buffer<Float>, count: Int, slot: Int, multiplier: Float) throws {
        try library.kernel("reduce", "max_abs_partial").enqueue(
            on: library.queue, global: library.reductionGlobal, local: library.reductionLocal, count, a, partials, slot)
        try library.kernel("reduce", "finish_max").enqueue(
            on: library.queue, global: [1], slot, partials, values, slot, multiplier)
    }

    /// Partial sums of Σ a·b into `slot`, a stored (float or half) vector.
    public func dot(_ a: StoredBuffer, _ b: Buffer<Float>, count: Int, slot: Int) throws {
        try library.kernel("reduce", "dot_stored_partial").enqueue(
            on: library.queue, global: library.reductionGlobal, local: library.reductionLocal,
            count, a, b, partials, slot)
    }

    /// Partial sums of Σ a·b into `slot`.
    public func dot(_ a: Buffer<Float>, _ b: Buffer<Float>, count: Int, slot: Int) throws {
        try library.kernel("reduce", "dot_partial").enqueue(
            on: library.queue, global: library.reductionGlobal, local: library.reductionLocal,
            count, a, b, partials, slot)
    }

    /// Partial sums of Σ |a| into `slot`.
    public func absoluteSum(_ a: Buffer<Float>, count: Int, slot: Int) throws {
        try library.kernel("reduce", "abs_sum_partial").enqueue(
            on: library.queue, global: library.reductionGlobal, local: library.reductionLocal,
            count, a, partials, slot)
    }

    /// Reads every finished value (blocking: the iteration's one host synchronisation).
    public func read() throws -> [Float] { try values.download(queue: library.queue) }
}
