import CLRuntime
import Foundation

/// A runner's sessions on its devices, kept from one job to the next: the weights file is read
/// once, and the sessions of one network (`NetworkKey`) with their style sources are made on
/// the first job that needs them and reused by every later job that asks for the same. A job
/// that asks for another network replaces them, so only one network's memory is held.
///
/// Used by one job at a time, like the sessions it holds.
public final class SessionPool {
    public let device: Device
    /// Devices that take a share of the tiles (`--device 0,1`), each with a session.
    public let helperDevices: [Device]
    public let weightsURL: URL
    public let configuration: EngineConfiguration
    private var loaded: (convolutionCount: Int, weights: VGG19Weights)?
    private var current: (key: NetworkKey?, sessions: PooledSessions)?

    public init(device: Device, helperDevices: [Device] = [], weightsURL: URL, configuration: EngineConfiguration = .init()) {
        self.device = device
        self.helperDevices = helperDevices
        self.weightsURL = weightsURL
        self.configuration = configuration
    }

    /// What makes two jobs' networks the same: the weights after pruning (known in advance
    /// unless the channels are ranked on the job's own images), precision, pooling and the
    /// memory limit the sessions enforce.
    public struct NetworkKey: Hashable, Sendable {
        public var convolutionCount: Int
        public var pruning: PruningSettings
        public var precision: Precision
        public var pooling: Pooling
        public var memoryLimit: Int?

        /// The key of `settings`' network; nil when it depends on the job's images
        /// (`--prune-by activation`), which no other job shares.
        public static func of(_ settings: StylizeSettings, convolutionCount: Int) -> NetworkKey? {
            if settings.pruning.isActive && settings.pruning.criterion == .activation { return nil }
            return NetworkKey(
                convolutionCount: convolutionCount, pruning: settings.pruning.isActive ? settings.pruning : .init(),
                precision: settings.precision, pooling: settings.pooling, memoryLimit: settings.memoryLimit)
        }
    }

    /// Every device the pool runs on, the primary first.
    public var devices: [Device] { [device] + helperDevices }

    /// The weights file's first `convolutionCount` convolutions, read once.
    public func weights(convolutionCount: Int) throws -> VGG19Weights {
        if let loaded, loaded.convolutionCount == convolutionCount { return loaded.weights }
        let weights = try VGG19Weights.load(from: weightsURL, convolutionCount: convolutionCount)
        loaded = (convolutionCount, weights)
        return weights
    }

    /// The sessions of the network `key` names, made from `weights()` when they are not the
    /// ones held (a nil key always makes new ones).
    public func sessions(
        key: NetworkKey?, settings: StylizeSettings, weights: () throws -> VGG19Weights, log: (String) -> Void
    ) throws -> PooledSessions {
        if let key, let current, current.key == key { return current.sessions }
        current = nil  // the old network's buffers go before the new one's are made
        let network = try weights()
        let sessions = try withoutActuallyEscaping(log) { log in
            let make = { (device: Device) in
                try EngineSession(
                    device: device, weights: network, precision: settings.precision, pooling: settings.pooling,
                    configuration: self.configuration, memoryLimit: settings.memoryLimit, log: log)
            }
            return PooledSessions(primary: try make(device), helpers: try helperDevices.map(make))
        }
        current = (key, sessions)
        return sessions
    }
}
