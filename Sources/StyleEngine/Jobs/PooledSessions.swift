import CLRuntime

/// The sessions of one network on a pool's devices, with the style sources computed on them
/// (their targets depend on the network, so they live and die with it).
public final class PooledSessions {
    public let primary: EngineSession
    public let helpers: [EngineSession]
    private var styleSources: [String: StyleSource] = [:]

    init(primary: EngineSession, helpers: [EngineSession]) {
        self.primary = primary
        self.helpers = helpers
    }

    /// The source named `key`, made by `make` the first time (its targets are then kept for
    /// every later job with the same styles).
    public func styleSource(key: String, make: () throws -> StyleSource) rethrows -> StyleSource {
        if let source = styleSources[key] { return source }
        let source = try make()
        styleSources[key] = source
        return source
    }
}
