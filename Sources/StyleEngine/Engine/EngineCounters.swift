import Synchronization

/// Process-wide counts of the engine's expensive set-up steps, so that tests (and a curious
/// caller) can see that a session reused across runs repeats neither.
public enum EngineCounters {
    /// VGG19 networks put on a device (`VGG19Loader.network`).
    public static let weightUploads = Atomic<Int>(0)
    /// Style target sets computed (`StyleTargets.compute`).
    public static let styleTargetComputations = Atomic<Int>(0)

}
