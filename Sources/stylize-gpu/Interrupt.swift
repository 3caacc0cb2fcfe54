import Foundation
import StyleEngine
import Synchronization

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP during a run. Before the job's first update nothing is
/// worth keeping, so the first signal ends the process at once (within the handler, whatever
/// the job is computing) with one line saying nothing was written. After it, the first signal
/// asks the job to stop and write what it has (the image and the report), then the process
/// exits with 128 + the signal's number; a second signal exits at once with that status.
enum Interrupt {
    /// The first signal received; 0 while none.
    static let received = Atomic<Int32>(0)
    /// Whether the job in progress has an image worth keeping (it has updated once).
    static let keepsResult = Atomic<Bool>(false)
    /// The line the handler writes when it ends a job that had nothing to keep, per signal
    /// (made before any signal can arrive: the handler may only call write and _exit).
    nonisolated(unsafe) private static var nothingKeptLines: [Int32: UnsafeMutablePointer<CChar>] = [:]

    /// Installs the handlers; `quiet` leaves out the line, `batch` words it for a batch.
    static func install(quiet: Bool = false, batch: Bool = false) {
        for number in [SIGINT, SIGTERM, SIGHUP] where !quiet {
            let what = batch ? "before the first iteration of the image in progress: it was not written"
                : "before the first iteration: nothing written"
            nothingKeptLines[number] = strdup("interrupted by \(name(of: number)) \(what)\n")
        }
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number) { number in
                let first = Interrupt.received.compareExchange(expected: 0, desired: number, ordering: .relaxed).exchanged
                if first && Interrupt.keepsResult.load(ordering: .relaxed) { return }
                if first, let line = Interrupt.nothingKeptLines[number] { _ = write(STDOUT_FILENO, line, strlen(line)) }
                _exit(128 + number)
            }
        }
    }

    static var wasRequested: Bool { received.load(ordering: .relaxed) != 0 }

    /// The conventional status of a run a signal stopped: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
    static var exitStatus: Int32 { 128 + received.load(ordering: .relaxed) }

    static var signalName: String { name(of: received.load(ordering: .relaxed)) }

    static func name(of number: Int32) -> String {
        switch number {
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "SIGINT"
        }
    }

    /// A job's hooks from the command line: progress as given, log lines on stderr (none when
    /// quiet), the stop request from the signals, and the phase that decides what a signal does.
    static func hooks(progress: @escaping (TransferProgress) -> Void, quiet: Bool) -> JobHooks {
        JobHooks(
            progress: progress, shouldStop: { wasRequested },
            log: { message in if !quiet { FileHandle.standardError.write(Data((message + "\n").utf8)) } },
            phaseChanged: { phase in keepsResult.store(phase != .preparing, ordering: .relaxed) })
    }
}
