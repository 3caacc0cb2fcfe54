import Foundation
import Synchronization

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP during a run: the first asks the loop to stop and
/// write what it has (the image and the report), then the process exits with 128 + the
/// signal's number; a second signal exits at once with that status.
enum Interrupt {
    /// The first signal received; 0 while none.
    static let received = Atomic<Int32>(0)

    static func install() {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number) { number in
                if Interrupt.received.compareExchange(expected: 0, desired: number, ordering: .relaxed).exchanged {
                    return
                }
                _exit(128 + number)
            }
        }
    }

    static var wasRequested: Bool { received.load(ordering: .relaxed) != 0 }

    /// The conventional status of a run a signal stopped: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
    static var exitStatus: Int32 { 128 + received.load(ordering: .relaxed) }

    static var signalName: String {
        switch received.load(ordering: .relaxed) {
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "SIGINT"
        }
    }
}
