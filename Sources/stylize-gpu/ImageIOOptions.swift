import ArgumentParser
import StyleEngine

/// The options of every command that reads photos and writes a picture: the JPEG quality of
/// a .jpg result and the decompression-bomb limit.
struct ImageIOOptions: ParsableArguments {
    @Option(name: .customLong("jpeg-quality"), help: "Quality of a .jpg result, 1–100.")
    var jpegQuality: Int = 92

    @Option(
        name: .customLong("max-image-pixels"),
        help: "Refuse input images whose header declares more pixels than this (decompression bombs).")
    var maxImagePixels: Int = ImageFile.defaultMaxPixels

    func validate() throws {
        if !(1...100).contains(jpegQuality) { throw InputError("--jpeg-quality must be 1 to 100") }
        if maxImagePixels < 1 || maxImagePixels > 1 << 40 {
            throw InputError("--max-image-pixels must be 1 to \(1 << 40)")
        }
    }
}
