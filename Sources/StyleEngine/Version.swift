/// The version of stylize-gpu: `stylize-gpu --version` prints it (the one place it is kept).
public enum StylizeGPUVersion {
    public static let string = "0.9.0"
}
