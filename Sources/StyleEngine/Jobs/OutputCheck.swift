import Foundation

/// Why a run's outputs cannot be written where asked; found before any work, one line each.
public enum OutputPathError: Error, CustomStringConvertible, Equatable {
    case isDirectory(role: String, path: String)
    case notRegularFile(role: String, path: String)
    case missingDirectory(role: String, path: String, directory: String)
    case notWritable(role: String, path: String, directory: String, reason: String)
    case isAnInput(role: String, path: String, input: String, inputPath: String)
    case sameAsOtherOutput(role: String, path: String, other: String)
    case unsupportedFormat(path: String)

    public var description: String {
        switch self {
        case .isDirectory(let role, let path): "\(role) \(path) is a folder; name a file"
        case .notRegularFile(let role, let path): "\(role) \(path) exists and is not a regular file"
        case .missingDirectory(let role, let path, let directory):
            "\(role) \(path) cannot be written: no such folder \(directory)"
        case .notWritable(let role, let path, let directory, let reason):
            "\(role) \(path) cannot be written: folder \(directory) is not writable (\(reason))"
        case .isAnInput(let role, let path, let input, let inputPath):
            "\(role) \(path) is \(input) (\(inputPath)): it would be overwritten; choose another path"
        case .sameAsOtherOutput(let role, let path, let other):
            "\(role) \(path) is also \(other): one would overwrite the other; choose another path"
        case .unsupportedFormat(let path):
            "the output \(path) must end in .png, .jpg, .jpeg or .webp"
        }
    }
}

/// Checks every file a run will write before the run starts: each is a file (not a folder)
/// in an existing, writable folder, none is one of the inputs, none is another output.
/// Touches nothing (the writability probe creates and removes a hidden file).
public struct OutputCheck {
    public struct Input {
        public let role: String
        public let path: String
        public init(role: String, path: String) {
            self.role = role
            self.path = path
        }
    }

    public struct Output {
        public let role: String
        public let path: String
        public init(role: String, path: String) {
            self.role = role
            self.path = path
        }
    }

    /// Numbered intermediate images: `stem_NNNN.ext` beside the result, for every multiple
    /// of `every` below `total`.
    public struct NumberedSaves {
        public let every: Int
        public let total: Int
        /// The path of the image after `iteration` iterations.
        public let path: (Int) -> String
        public init(every: Int, total: Int, path: @escaping (Int) -> String) {
            self.every = every
            self.total = total
            self.path = path
        }
        var iterations: StrideTo<Int> { stride(from: every, to: total, by: every) }
        var count: Int { every > 0 && total > every ? (total - 1) / every : 0 }
    }

    public var inputs: [Input]
    public var outputs: [Output]
    public var numbered: NumberedSaves?

    public init(inputs: [Input], outputs: [Output], numbered: NumberedSaves? = nil) {
        self.inputs = inputs
        self.outputs = outputs
        self.numbered = numbered
    }

    public func run() throws {
        var all = outputs
        if let numbered, numbered.count > 0 {
            // Each numbered path is checked when there are few; beyond, the first and last
            // (they share the folder) and any input or output that matches the pattern.
            let iterations = Array(numbered.iterations)
            let chosen = iterations.count <= 10_000 ? iterations : [iterations.first!, iterations.last!]
            all += chosen.map { Output(role: "the numbered image (--save-every)", path: numbered.path($0)) }
            for other in inputs.map({ ($0.role, $0.path) }) + outputs.map({ ($0.role, $0.path) })
            where iterations.count > 10_000 {
                if let iteration = Self.numberedIteration(other.1, numbered: numbered), iteration % numbered.every == 0,
                    iteration > 0, iteration < numbered.total, Self.samePath(numbered.path(iteration), other.1)
                {
                    all.append(Output(role: "the numbered image (--save-every)", path: numbered.path(iteration)))
                }
            }
        }
        var checkedDirectories: [String: Bool] = [:]
        for (index, output) in all.enumerated() {
            try Self.checkWritable(output, checkedDirectories: &checkedDirectories)
            for input in inputs where Self.samePath(output.path, input.path) {
                throw OutputPathError.isAnInput(role: output.role, path: output.path, input: input.role, inputPath: input.path)
            }
            for earlier in all[..<index] where Self.samePath(output.path, earlier.path) {
                throw OutputPathError.sameAsOtherOutput(
                    role: output.role, path: output.path, other: "\(earlier.role) (\(earlier.path))")
            }
        }
    }

    /// The iteration number of a path of the numbered pattern, if it has the pattern's form.
    static func numberedIteration(_ path: String, numbered: NumberedSaves) -> Int? {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        guard let underscore = name.lastIndex(of: "_") else { return nil }
        return Int(name[name.index(after: underscore)...])
    }

    static func checkWritable(_ output: Output, checkedDirectories: inout [String: Bool]) throws {
        let path = output.path
        if path.hasSuffix("/") { throw OutputPathError.isDirectory(role: output.role, path: path) }
        var status = stat()
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR { throw OutputPathError.isDirectory(role: output.role, path: path) }
            if status.st_mode & S_IFMT != S_IFREG { throw OutputPathError.notRegularFile(role: output.role, path: path) }
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if checkedDirectories[directory] == true { return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw OutputPathError.missingDirectory(role: output.role, path: path, directory: directory)
        }
        // A probe file says what access() cannot (read-only mounts, ACLs, root's rights).
        let probe = URL(fileURLWithPath: directory).appending(path: ".stylize-gpu-probe-\(getpid())-\(UUID().uuidString)").path
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor < 0 {
            throw OutputPathError.notWritable(
                role: output.role, path: path, directory: directory, reason: String(cString: strerror(errno)))
        }
        close(descriptor)
        unlink(probe)
        checkedDirectories[directory] = true
    }

    /// Whether two paths name the same file: the same inode when both exist, else the same
    /// absolute path with the folder's symbolic links resolved.
    public static func samePath(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        if stat(a, &first) == 0 && stat(b, &second) == 0 {
            return first.st_dev == second.st_dev && first.st_ino == second.st_ino
        }
        return canonical(a) == canonical(b)
    }

    static func canonical(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let directory = url.deletingLastPathComponent().path
        guard let resolved = realpath(directory, nil) else { return url.path }
        defer { free(resolved) }
        return URL(fileURLWithPath: String(cString: resolved)).appending(path: url.lastPathComponent).path
    }
}
