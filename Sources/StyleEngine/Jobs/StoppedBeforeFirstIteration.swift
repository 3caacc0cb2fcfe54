/// A job stopped on request before its first update: nothing was written.
public struct StoppedBeforeFirstIteration: Error, CustomStringConvertible, Equatable {
    public init() {}
    public var description: String { "stopped before the first iteration: nothing written" }
}
