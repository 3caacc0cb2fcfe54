import Foundation

/// Writes `data` to a temporary file beside `path`, flushes it, and renames it into place:
/// a crash leaves the old file or the new one, never a mix.
package func writeAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appending(
        path: ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
    let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw AtomicWriteError(path: path, reason: String(cString: strerror(errno))) }
    var written = 0
    let ok = data.withUnsafeBytes { raw -> Bool in
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n <= 0 { return false }
            written += n
        }
        return fsync(fd) == 0
    }
    let reason = ok ? "" : String(cString: strerror(errno))
    close(fd)
    guard ok, rename(temporary.path, url.path) == 0 else {
        let why = ok ? String(cString: strerror(errno)) : reason
        unlink(temporary.path)
        throw AtomicWriteError(path: path, reason: why)
    }
}

package struct AtomicWriteError: Error, CustomStringConvertible {
    package let path: String
    package let reason: String
    package var description: String { "cannot write \(path): \(reason)" }
}
