import ArgumentParser
import StyleEngine

/// The style images and how they are blended and sized: shared by stylize and evaluate.
struct StyleOptions: ParsableArguments {
    @Option(
        name: .long, parsing: .upToNextOption,
        help: "One or more paintings whose style to take (PNG, JPEG or WebP), or @NAME for a style stored with `stylize-gpu styles add`.")
    var style: [String]

    @Option(
        name: .customLong("style-blend-weights"), parsing: .upToNextOption,
        help: "One weight per style image; normalised to sum to 1. (default: equal)")
    var styleBlendWeights: [Float] = []

    @Option(name: .customLong("style-scale"), help: "Style images are resized to this × the result's size.")
    var styleScale: Float = 1

    @Option(help: "The style library --style @NAME reads. (default: $STYLIZE_GPU_STYLE_LIBRARY, else ${XDG_DATA_HOME:-~/.local/share}/stylize-gpu/styles)")
    var library: String?

    /// NAME of `--style @NAME`.
    var storedStyleName: String? {
        style.count == 1 && style[0].hasPrefix("@") ? String(style[0].dropFirst()) : nil
    }

    func validate() throws {
        if style.isEmpty { throw InputError("give at least one --style image") }
        if style.contains(where: { $0.hasPrefix("@") }) {
            if style.count > 1 { throw InputError("--style @NAME names a whole stored style: give it alone") }
            if !styleBlendWeights.isEmpty {
                throw InputError("--style-blend-weights does not apply to a stored style (its blend is stored)")
            }
            do { try StyleLibrary.validate(name: storedStyleName!) } catch { throw InputError("\(error)") }
        }
        if !styleBlendWeights.isEmpty && styleBlendWeights.count != style.count {
            throw InputError(
                "--style-blend-weights has \(styleBlendWeights.count) values for \(style.count) style images")
        }
        if styleBlendWeights.contains(where: { !($0 >= 0) }) || (!styleBlendWeights.isEmpty && styleBlendWeights.reduce(0, +) <= 0) {
            throw InputError("--style-blend-weights must be non-negative with a positive sum")
        }
        if !(styleScale > 0 && styleScale.isFinite) { throw InputError("--style-scale must be a finite number > 0") }
    }
}
