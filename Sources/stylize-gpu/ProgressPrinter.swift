import Foundation
import StyleEngine

/// Shows the loop's progress: one live line on a terminal, periodic plain lines otherwise.
struct ProgressPrinter {
    let printEvery: Int
    let quiet: Bool
    let live = isatty(STDERR_FILENO) != 0

    func show(_ progress: TransferProgress) {
        if quiet { return }
        let done = progress.iteration
        let rate = done > 0 && progress.elapsed > 0 ? Double(done) / progress.elapsed : 0
        let remaining = rate > 0 ? Double(progress.iterations - done) / rate : 0
        let loss = progress.loss
        let scale =
            progress.scaleCount > 1
            ? String(format: "scale %d/%d %d×%d  ", progress.scale + 1, progress.scaleCount, progress.width, progress.height)
            : ""
        let line = scale + String(
            format: "iteration %d/%d  loss %.6g (content %.4g, style %.4g, tv %.4g)  %.2f it/s  ETA %@",
            done, progress.iterations, loss.total, loss.content, loss.style, loss.totalVariation, rate,
            Self.duration(remaining))
        let last = done == progress.iterations
        if live {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (last ? "\n" : "")).utf8))
        } else if last || done == 0 || (printEvery > 0 && done % printEvery == 0) {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
