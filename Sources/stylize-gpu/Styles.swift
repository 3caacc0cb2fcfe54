import ArgumentParser
import CLRuntime
import Foundation
import StyleEngine

/// `stylize-gpu styles add|list|show|remove`: the style library.
struct Styles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A library of style targets computed once: add, list, show, remove; use with --style @NAME.",
        discussion: """
            Each style is one safetensors file in the library folder (--library, else \
            $STYLIZE_GPU_STYLE_LIBRARY, else ${XDG_DATA_HOME:-~/.local/share}/stylize-gpu/styles): \
            the blended Gram targets of every style layer for each style side the given --size and \
            --scales need (style scale × each scale's size), and the settings that shaped them.
            """,
        subcommands: [Add.self, List.self, Show.self, Remove.self])

    struct LibraryOption: ParsableArguments {
        @Option(help: "The library folder. (default: $STYLIZE_GPU_STYLE_LIBRARY, else ${XDG_DATA_HOME:-~/.local/share}/stylize-gpu/styles)")
        var library: String?

        var value: StyleLibrary { StyleLibrary.locate(explicitPath: library) }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute a style's targets once and store them under NAME.",
            usage: "stylize-gpu styles add NAME PAINTING… [--style-blend-weights W…] [--style-scale S] [--size N] [--scales …]")

        @Argument(help: "The style's name (letters, digits, '.', '_', '-').")
        var name: String

        @Argument(help: "One or more paintings (PNG or JPEG).")
        var paintings: [String] = []

        @OptionGroup var libraryOption: LibraryOption
        @OptionGroup var deviceOptions: DeviceOptions
        @OptionGroup var modelOptions: ModelOptions

        @Option(
            name: .customLong("style-blend-weights"), parsing: .upToNextOption,
            help: "One weight per painting; normalised to sum to 1. (default: equal)")
        var styleBlendWeights: [Float] = []

        @Option(name: .customLong("style-scale"), help: "Paintings are resized to this × each scale's size.")
        var styleScale: Float = 1

        @Option(help: "The result size the style is for (as stylize's --size).")
        var size: Int = 512

        @Option(help: ArgumentHelp("The scales the style is for (as stylize's --scales).", valueName: "auto|off|N,N,…"))
        var scales: String = "auto"

        @Option(name: .customLong("style-layers"), help: "Comma-separated style layers.")
        var styleLayers: String = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"

        @Option(help: "fp32 or fp16, as the runs that use it.")
        var precision: Precision = .fp32

        var layers: [String] { styleLayers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

        func validate() throws {
            do { try StyleLibrary.validate(name: name) } catch { throw InputError("\(error)") }
            if paintings.isEmpty { throw InputError("name the paintings: stylize-gpu styles add NAME PAINTING…") }
            if !styleBlendWeights.isEmpty && styleBlendWeights.count != paintings.count {
                throw InputError("--style-blend-weights has \(styleBlendWeights.count) values for \(paintings.count) paintings")
            }
            if styleBlendWeights.contains(where: { !($0 >= 0) }) || (!styleBlendWeights.isEmpty && styleBlendWeights.reduce(0, +) <= 0) {
                throw InputError("--style-blend-weights must be non-negative with a positive sum")
            }
            if !(styleScale > 0) { throw InputError("--style-scale must be positive") }
            if size < 16 { throw InputError("--size must be at least 16") }
            do { try VGG19Layers.validate(layers) } catch { throw InputError("\(error)") }
            do { _ = try ScaleSchedule.parse(scales) } catch { throw InputError("\(error)") }
        }

        func run() throws {
            let configuration = try EngineConfiguration.fromEnvironment()
            let device = try DeviceInventory.device(at: deviceOptions.primary)
            let weightsURL = try modelOptions.weightsURL()
            let images = try paintings.map { try ImageFile.read(path: $0) }
            var transfer = TransferSettings()
            transfer.size = size
            transfer.scales = try ScaleSchedule.parse(scales)
            transfer.styleScale = styleScale
            let sides = Set(transfer.scaleSizes.map(transfer.styleSide(forSize:))).sorted()
            let minimum = 1 << 4
            if let small = sides.first, small < minimum {
                throw InputError("style side \(small) is too small for VGG19: raise --size or --style-scale")
            }
            let session = try EngineSession(
                device: device,
                weights: VGG19Weights.load(
                    from: weightsURL, convolutionCount: VGG19Network.convolutionsNeeded(for: layers)),
                precision: precision, pooling: modelOptions.pooling, configuration: configuration)
            let source = StyleSource(images: images, blendWeights: styleBlendWeights, layers: layers)
            let scratchLimit = TransferSettings.defaultScratchLimit(for: precision)
            var targets: [Int: HostStyleTargets] = [:]
            for side in sides {
                targets[side] = try HostStyleTargets(
                    source.targets(session: session, side: side, scratchLimit: scratchLimit), queue: session.library.queue)
            }
            let settings = StoredStyleSettings(
                layers: layers, pooling: modelOptions.pooling, precision: precision,
                weightsHash: ContentHash.ofFile(weightsURL.path) ?? "unreadable", blendWeights: source.blendWeights,
                sources: paintings.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                sourceHashes: paintings.map { ContentHash.ofFile($0) ?? "" }, styleScale: styleScale, size: size,
                scales: scales, sides: sides)
            let library = libraryOption.value
            try library.save(name: name, settings: settings, targets: targets)
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: library.path(of: name)))?[.size] as? Int) ?? 0
            print("stored '\(name)' in \(library.path(of: name)): style sides \(sides.map(String.init).joined(separator: ", ")), \(bytes) bytes")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the stored styles.")
        @OptionGroup var libraryOption: LibraryOption

        func run() throws {
            let library = libraryOption.value
            var rows: [[String]] = []
            var damaged: [String] = []
            for (_, result) in library.list() {
                switch result {
                case .success(let style):
                    let s = style.settings
                    rows.append([
                        style.name, s.sources.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ","),
                        s.sides.map(String.init).joined(separator: ","),
                        "size \(s.size), scales \(s.scales), style scale \(s.styleScale), \(s.pooling), \(s.precision), blend \(s.blendWeights.map { String(format: "%.3g", $0) }.joined(separator: ","))",
                        "\(style.bytes)",
                    ])
                case .failure(let error): damaged.append("\(error)")
                }
            }
            if rows.isEmpty && damaged.isEmpty {
                print("no stored styles in \(library.directory.path)")
            } else if !rows.isEmpty {
                printTable(header: ["name", "sources", "style sides", "settings", "bytes"], rows: rows)
            }
            for line in damaged { FileHandle.standardError.write(Data(("Error: " + line + "\n").utf8)) }
            if !damaged.isEmpty { throw ExitCode(1) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a stored style's settings (JSON).")
        @Argument var name: String
        @OptionGroup var libraryOption: LibraryOption

        struct Shown: Encodable {
            let name: String
            let path: String
            let bytes: Int
            let settings: StoredStyleSettings
            let styleSizes: [String: [StyleTargets.ImageSize]]
            let channels: [String: Int]
        }

        func run() throws {
            let style: StoredStyle
            do { style = try libraryOption.value.load(name: name) } catch let error as StyleLibraryError {
                throw InputError("\(error)")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let shown = Shown(
                name: style.name, path: style.path, bytes: style.bytes, settings: style.settings,
                styleSizes: Dictionary(uniqueKeysWithValues: style.targets.map { (String($0.key), $0.value.shape.styleSizes) }),
                channels: style.targets.values.first?.channels ?? [:])
            print(String(decoding: try encoder.encode(shown), as: UTF8.self))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a stored style.")
        @Argument var name: String
        @OptionGroup var libraryOption: LibraryOption

        func run() throws {
            do { try libraryOption.value.remove(name: name) } catch let error as StyleLibraryError {
                throw InputError("\(error)")
            }
            print("removed '\(name)'")
        }
    }
}
