import ArgumentParser
import Foundation
import StyleEngine

/// `stylize-gpu manifest merge DIR`: one manifest.jsonl from the shards' manifests.
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest", abstract: "Batch manifests.", subcommands: [Merge.self])

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge DIR's manifest.I-of-N.jsonl files (and manifest.jsonl) into DIR/manifest.jsonl.",
            discussion: "One record per output, the latest winning, sorted by output; written atomically.")

        @Argument(help: "The batch's output folder.")
        var directory: String

        func run() throws {
            let records: [ManifestRecord]
            do { records = try Manifest.merge(directory: directory) } catch let error as ManifestError {
                throw InputError("\(error)")
            }
            let failed = records.filter { $0.status == .failed }.count
            print("\(directory)/\(Manifest.mergedName): \(records.count) records, \(records.count - failed) ok, \(failed) failed")
        }
    }
}
