/// What a runner gives a job to follow and steer it: progress after each evaluation, a stop
/// request (a signal, a server's cancel) polled between phases, between style tiles and before
/// each update, log lines, and each change of phase.
public struct JobHooks {
    public var progress: (TransferProgress) -> Void = { _ in }
    public var shouldStop: () -> Bool = { false }
    public var log: (String) -> Void = { _ in }
    public var phaseChanged: (JobPhase) -> Void = { _ in }

    public init(
        progress: @escaping (TransferProgress) -> Void = { _ in }, shouldStop: @escaping () -> Bool = { false },
        log: @escaping (String) -> Void = { _ in }, phaseChanged: @escaping (JobPhase) -> Void = { _ in }
    ) {
        self.progress = progress
        self.shouldStop = shouldStop
        self.log = log
        self.phaseChanged = phaseChanged
    }
}
