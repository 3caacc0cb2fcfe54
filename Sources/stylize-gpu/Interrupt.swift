import Foundation
import Synchronization

/// Ctrl-C during a run: the first one asks the loop to stop and write what it has;
/// a second one exits at once.
enum Interrupt {
    static let requested = Atomic<Bool>(false)

    static func install() {
        signal(SIGINT) { _ in
            if Interrupt.requested.exchange(true, ordering: .relaxed) { _exit(130) }
        }
    }

    static var wasRequested: Bool { requested.load(ordering: .relaxed) }
}
