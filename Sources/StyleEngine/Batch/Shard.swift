import Foundation

/// One part of a batch split across tasks: inputs index, index + count, index + 2·count, …
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else { throw ShardError.outOfRange(index: index, count: count) }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }
    /// `manifest.I-of-N.jsonl`.
    public var manifestName: String { "manifest.\(index)-of-\(count).jsonl" }

    /// `I/N`.
    public static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { throw ShardError.syntax(text) }
        return try Shard(index: index, count: count)
    }

    /// The shard a cluster scheduler gives this process, or nil outside one:
    /// a Slurm job array (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` of
    /// `SLURM_ARRAY_TASK_COUNT`, else of MAX − MIN + 1), or a Kubernetes Indexed Job
    /// (`JOB_COMPLETION_INDEX` of `STYLIZE_GPU_SHARD_COUNT`).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> Shard?
    {
        func int(_ name: String) throws -> Int? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            guard let number = Int(value) else { throw ShardError.environment(name, value) }
            return number
        }
        if let id = try int("SLURM_ARRAY_TASK_ID") {
            let minimum = try int("SLURM_ARRAY_TASK_MIN") ?? 0
            var count = try int("SLURM_ARRAY_TASK_COUNT")
            if count == nil, let maximum = try int("SLURM_ARRAY_TASK_MAX") { count = maximum - minimum + 1 }
            guard let count else { throw ShardError.environment("SLURM_ARRAY_TASK_COUNT", "(unset)") }
            return try Shard(index: id - minimum, count: count)
        }
        if let index = try int("JOB_COMPLETION_INDEX") {
            guard let count = try int("STYLIZE_GPU_SHARD_COUNT") else {
                throw ShardError.environment("STYLIZE_GPU_SHARD_COUNT", "(unset, needed with JOB_COMPLETION_INDEX)")
            }
            return try Shard(index: index, count: count)
        }
        return nil
    }

    /// This shard's part of `items`.
    public func select<T>(_ items: [T]) -> [T] {
        stride(from: index, to: items.count, by: count).map { items[$0] }
    }
}

public enum ShardError: Error, CustomStringConvertible, Equatable {
    case syntax(String)
    case outOfRange(index: Int, count: Int)
    case environment(String, String)

    public var description: String {
        switch self {
        case .syntax(let text): "--shard takes I/N (e.g. 0/4), not '\(text)'"
        case .outOfRange(let index, let count): "shard \(index)/\(count) is out of range: need 0 ≤ I < N"
        case .environment(let name, let value): "\(name)=\(value) is not a usable shard number"
        }
    }
}
