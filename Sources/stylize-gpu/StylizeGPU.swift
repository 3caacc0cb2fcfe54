import ArgumentParser
import StyleEngine

@main
struct StylizeGPU: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylize-gpu",
        abstract: "Neural style transfer (Gatys et al.) on any OpenCL device.",
        discussion: """
            Pushes an image toward the content of a photo and the style of one or more paintings \
            by optimizing its pixels through VGG19, entirely on the OpenCL device.

            Example:
              stylize-gpu --device 0 --content photo.jpg --style painting.png -o out.png
            """,
        version: StylizeGPUVersion.string,
        subcommands: [Stylize.self, Apply.self, Train.self, Evaluate.self, Devices.self, Styles.self, ManifestCommand.self, Prune.self, Quantize.self],
        defaultSubcommand: Stylize.self)
}
