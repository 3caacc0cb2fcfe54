import Foundation

/// One line of a batch's `manifest.jsonl`: what happened to one input.
public struct ManifestRecord: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case ok, failed }

    public var input: String
    public var output: String
    public var status: Status
    public var seconds: Double
    /// Why it failed.
    public var error: String?
    /// The result's loss parts after the last iteration (the optimizer's).
    public var loss: LossParts?
    public var metrics: QualityMetrics?
    public var width: Int?
    public var height: Int?
    /// `BatchRunner.fingerprint`: the same value means the same settings.
    public var fingerprint: String
    public var shard: String?
    /// When it finished (ISO 8601).
    public var finished: String

    public init(
        input: String, output: String, status: Status, seconds: Double, error: String? = nil, loss: LossParts? = nil,
        metrics: QualityMetrics? = nil, width: Int? = nil, height: Int? = nil, fingerprint: String, shard: String? = nil,
        finished: String = ISO8601DateFormatter().string(from: Date())
    ) {
        self.input = input
        self.output = output
        self.status = status
        self.seconds = seconds
        self.error = error
        self.loss = loss
        self.metrics = metrics
        self.width = width
        self.height = height
        self.fingerprint = fingerprint
        self.shard = shard
        self.finished = finished
    }
}

/// Reading, appending and merging manifests. Each record is one line, appended with a single
/// `write` and `fsync`: a killed process leaves whole lines (a torn last line, after a power
/// loss say, is ignored when read).
public enum Manifest {
    public static let mergedName = "manifest.jsonl"

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    /// The records of one file, in order; lines that do not parse are skipped.
    public static func read(path: String) -> [ManifestRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = decoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(ManifestRecord.self, from: Data($0)) }
    }

    /// `manifest.jsonl` and every shard's `manifest.I-of-N.jsonl` in `directory`.
    public static func files(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0 == mergedName || ($0.hasPrefix("manifest.") && $0.hasSuffix(".jsonl") && $0.contains("-of-")) }
            .sorted().map { URL(fileURLWithPath: directory).appending(path: $0).path }
    }

    /// Appends one record as one line: one `write`, then `fsync`.
    public static func append(_ record: ManifestRecord, to path: String) throws {
        var line = try encoder().encode(record)
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw AtomicWriteError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        // A torn last line (no newline at the end) would swallow this one: start a new line.
        var end = stat()
        if fstat(fd, &end) == 0, end.st_size > 0 {
            let reader = open(path, O_RDONLY)
            if reader >= 0 {
                var last: UInt8 = 0
                if pread(reader, &last, 1, off_t(end.st_size - 1)) == 1, last != UInt8(ascii: "\n") {
                    line.insert(UInt8(ascii: "\n"), at: 0)
                }
                close(reader)
            }
        }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        guard written == line.count, fsync(fd) == 0 else {
            throw AtomicWriteError(path: path, reason: written < 0 ? String(cString: strerror(errno)) : "short write")
        }
    }

    /// Merges every manifest in `directory` into `manifest.jsonl` (written atomically): one
    /// record per output, the last one written winning, ordered by output. Returns the records.
    @discardableResult
    public static func merge(directory: String) throws -> [ManifestRecord] {
        var latest: [String: ManifestRecord] = [:]
        let files = files(in: directory)
        guard !files.isEmpty else { throw ManifestError.noManifests(directory) }
        for file in files {
            for record in read(path: file) {
                if let previous = latest[record.output], previous.finished > record.finished { continue }
                latest[record.output] = record
            }
        }
        let records = latest.values.sorted { $0.output < $1.output }
        let encoder = encoder()
        var data = Data()
        for record in records {
            data.append(try encoder.encode(record))
            data.append(UInt8(ascii: "\n"))
        }
        try writeAtomically(data, to: URL(fileURLWithPath: directory).appending(path: mergedName).path)
        return records
    }
}

public enum ManifestError: Error, CustomStringConvertible, Equatable {
    case noManifests(String)
    public var description: String {
        switch self {
        case .noManifests(let directory): "no manifest.jsonl or manifest.I-of-N.jsonl in \(directory)"
        }
    }
}
