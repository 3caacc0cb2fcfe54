import Foundation

/// Where the engine (and PoCL, the CPU driver) keep their caches, and what to do when the
/// user has no usable home (a service user: HOME unset, `/nonexistent`, read-only).
public enum CacheLocation {
    /// `$XDG_CACHE_HOME`, else `$HOME/.cache` (HOME from the environment, else the user's
    /// entry in the password database).
    public static func userCacheHome() -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return URL(fileURLWithPath: xdg) }
        return URL(fileURLWithPath: homeDirectory()).appending(path: ".cache")
    }

    public static func homeDirectory() -> String {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty { return home }
        if let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir { return String(cString: directory) }
        return "/"
    }

    /// Whether `directory` exists (or can be made) and a file can be created in it.
    public static func usable(_ directory: URL) -> Bool {
        guard (try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)) != nil
        else { return false }
        return access(directory.path, W_OK | X_OK) == 0
    }

    /// `$TMPDIR/stylize-gpu-UID`, private to the user.
    public static func temporaryRoot() -> URL {
        let root = FileManager.default.temporaryDirectory.appending(path: "stylize-gpu-\(getuid())")
        try? FileManager.default.createDirectory(
            at: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return root
    }

    /// PoCL keeps compiled kernels in `$POCL_CACHE_DIR`, else under the user's cache home,
    /// and without a writable one it offers no platform at all. Where that folder is
    /// unusable and POCL_CACHE_DIR unset, points it at the temporary root. Call before the
    /// first OpenCL call.
    public static func preparePoCLCache() {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["POCL_CACHE_DIR"], !explicit.isEmpty { return }
        if usable(userCacheHome().appending(path: "pocl")) { return }
        let fallback = temporaryRoot().appending(path: "pocl")
        if usable(fallback) { setenv("POCL_CACHE_DIR", fallback.path, 1) }
    }

    /// A note for "no OpenCL platform" when a cache folder a driver needs is unusable.
    public static func diagnosis() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["POCL_CACHE_DIR"], !explicit.isEmpty,
            !usable(URL(fileURLWithPath: explicit))
        {
            return "POCL_CACHE_DIR=\(explicit) is not a writable folder, and PoCL offers no platform without one"
        }
        let home = homeDirectory()
        if !usable(userCacheHome()) {
            return "the cache folder \(userCacheHome().path) (HOME=\(home)) is not writable; "
                + "set HOME, XDG_CACHE_HOME or POCL_CACHE_DIR to a writable folder"
        }
        return nil
    }
}
