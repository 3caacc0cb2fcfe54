import CImageIO
import Foundation
import StyleEngine
import TestSupport
import XCTest

/// Issue 14: real photos, real paths, real process managers. Every refusal happens before
/// the first iteration, is one line with an exit status below 128, and touches no file;
/// signals save; a damaged cache is rebuilt; phone photos, transparency, ICC and WebP.
final class CLIRobustnessTests: CLITestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        // The inputs live in the test's folder, so that their bytes can be checked after.
        try FileManager.default.copyItem(atPath: CLI.sample("astronaut.png"), toPath: path("content.png"))
        try FileManager.default.copyItem(atPath: CLI.sample("ihc.png"), toPath: path("style.png"))
    }

    /// Every file under the test's folder, with its bytes.
    func snapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path(name), isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: path(name)))
            }
        }
        return files
    }

    func run(_ extra: [String], content: String? = nil, iterations: Int = 2, size: Int = 32) throws -> CLIResult {
        try CLI.run(
            ["--content", content ?? path("content.png"), "--style", path("style.png"), "--size", "\(size)",
             "--iterations", "\(iterations)", "--print-every", "1"] + extra)
    }

    /// A refusal: non-zero status below 128, the message on one line, no iteration, and
    /// every file in the folder as it was (no output, no report, inputs unchanged).
    func assertRefused(
        _ extra: [String], content: String? = nil, message: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let before = try snapshot()
        let start = Date()
        let result = try run(extra, content: content, iterations: 200)
        XCTAssertNotEqual(result.status, 0, result.stderr, file: file, line: line)
        XCTAssertLessThan(result.status, 128, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(message), "stderr: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("iteration "), "no iteration ran", file: file, line: line)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30, "refused before the work", file: file, line: line)
        XCTAssertEqual(try snapshot(), before, "no file touched", file: file, line: line)
    }

    // MARK: paths

    func testMissingOutputFolder() throws {
        try assertRefused(["-o", path("missing/out.png")], message: "no such folder \(path("missing"))")
    }

    func testReadOnlyOutputFolder() throws {
        // Root writes anywhere chmod forbids; /sys refuses even root.
        let folder: String
        if getuid() == 0 {
            folder = "/sys"
        } else {
            try FileManager.default.createDirectory(atPath: path("locked"), withIntermediateDirectories: false)
            chmod(path("locked"), 0o555)
            folder = path("locked")
        }
        try assertRefused(["-o", folder + "/out.png"], message: "folder \(folder) is not writable")
    }

    func testOutputThatIsAFolder() throws {
        try FileManager.default.createDirectory(atPath: path("result.png"), withIntermediateDirectories: false)
        try assertRefused(["-o", path("result.png")], message: "the output image \(path("result.png")) is a folder")
    }

    func testReportInAMissingFolder() throws {
        try assertRefused(
            ["-o", path("out.png"), "--report", path("nowhere/run.json")], message: "the report \(path("nowhere/run.json")) cannot be written: no such folder")
    }

    func testReportThatIsTheOutput() throws {
        try assertRefused(["-o", path("out.png"), "--report", path("out.png")], message: "is also the output image")
    }

    func testReportThatIsAnInput() throws {
        try assertRefused(["-o", path("out.png"), "--report", path("style.png")], message: "is a style image")
        try assertRefused(["-o", path("out.png"), "--report", path("content.png")], message: "is the content image")
    }

    func testOutputThatIsTheContent() throws {
        try assertRefused(["-o", path("content.png")], message: "the output image \(path("content.png")) is the content image")
        // Through another spelling of the same file: a symbolic link and a relative detour.
        try FileManager.default.createSymbolicLink(atPath: path("link.png"), withDestinationPath: path("content.png"))
        try assertRefused(["-o", path("link.png")], message: "is the content image")
        try assertRefused(["-o", directory.path + "/./../" + directory.lastPathComponent + "/content.png"], message: "is the content image")
    }

    func testNumberedSaveThatIsAnotherOutputOrInput() throws {
        try assertRefused(
            ["-o", path("out.png"), "--save-every", "5", "--report", path("out_0010.png")],
            message: "the numbered image (--save-every) \(path("out_0010.png")) is also the report")
        try FileManager.default.copyItem(atPath: path("style.png"), toPath: path("out_0005.png"))
        try assertRefused(
            ["-o", path("out.png"), "--save-every", "5", "--style", path("out_0005.png")], message: "is a style image")
    }

    // MARK: limits

    func testLimitsThatWouldOverflow() throws {
        try assertRefused(["-o", path("out.png"), "--style-scale", "inf"], message: "--style-scale must be a finite number > 0")
        try assertRefused(["-o", path("out.png"), "--size", "3000000000"], message: "--size must be at most 65536")
        try assertRefused(["-o", path("out.png"), "--style-scale", "1e30"], message: "--style-scale 1e+30 makes the styles")
        try assertRefused(["-o", path("out.png"), "--lbfgs-history", "9000000000000000000"], message: "--lbfgs-history must be at most")
        try assertRefused(["-o", path("out.png"), "--learning-rate", "inf"], message: "--learning-rate must be finite")
    }

    /// The memory is pinned, so the answer does not depend on the machine's device.
    func testStyleScaleThatCannotFitSaysWhatFits() throws {
        try assertRefused(
            ["-o", path("out.png"), "--style-scale", "600", "--memory-limit", "1G"], message: "has 1024 MiB: --style-scale ")
    }

    // MARK: layers and init

    func testDuplicatedAndEmptyLayersAreRefused() throws {
        try assertRefused(["-o", path("out.png"), "--style-layers", "relu1_1,relu2_1,relu1_1"], message: "--style-layers names relu1_1 twice")
        try assertRefused(["-o", path("out.png"), "--content-layers", ""], message: "--content-layers must name at least one layer")
        try assertRefused(["-o", path("out.png"), "--style-layers", ","], message: "--style-layers must name at least one layer")
        let help = try CLI.run(["stylize", "--help"])
        XCTAssertTrue(help.stdout.contains("each once"), help.stdout)
    }

    func testInitOfAnotherAspectIsRefused() throws {
        let wide = RGBImage(width: 40, height: 10, pixels: [UInt8](repeating: 90, count: 40 * 10 * 3))
        try ImageFile.writePNG(wide, to: path("wide.png"))
        let content = try ImageFile.read(path: path("content.png"))
        let expected = "--init image \(path("wide.png")) is 40×10 but the result is 32×32"
        XCTAssertEqual(content.width, content.height)
        try assertRefused(["-o", path("out.png"), "--init", path("wide.png")], message: expected)
    }

    // MARK: bombs

    /// A PNG whose IHDR says 30000×30000 (CRC fixed) is refused from its header.
    func testPNGDecompressionBombIsRefusedFromTheHeader() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("style.png"))))
        // IHDR: length (4) at 8, "IHDR" at 12, width at 16, height at 20, CRC after 13 bytes of data.
        for (offset, value) in [(16, UInt32(30000)), (20, UInt32(30000))] {
            for k in 0..<4 { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(k))) }
        }
        let crc = crc32(Array(bytes[12..<29]))
        for k in 0..<4 { bytes[29 + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
        try Data(bytes).write(to: URL(fileURLWithPath: path("bomb.png")))
        try assertRefused(
            ["-o", path("out.png"), "--style", path("bomb.png")],
            message: "image \(path("bomb.png")) declares 30000×30000 = 900000000 pixels, more than the limit of 100000000")
        try assertRefused(
            ["-o", path("out.png"), "--style", path("bomb.png"), "--max-image-pixels", "1000"], message: "limit of 1000")
    }

    /// A JPEG whose frame header says 65535×65535 (4.3 billion pixels) is refused before any
    /// allocation for its pixels.
    func testJPEGDecompressionBombIsRefusedFromTheHeader() throws {
        let image = try ImageFile.read(path: path("content.png"))
        try ImageFile.writeJPEGForTests(image, to: path("photo.jpg"))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path("photo.jpg"))))
        let sof = try XCTUnwrap((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        for k in [5, 7] { bytes[sof + k] = 0xFD; bytes[sof + k + 1] = 0xE8 }  // 65000 (libjpeg's own limit: 65500)
        try Data(bytes).write(to: URL(fileURLWithPath: path("bomb.jpg")))
        try FileManager.default.removeItem(atPath: path("photo.jpg"))
        try assertRefused(["-o", path("out.png")], content: path("bomb.jpg"), message: "declares 65000×65000 = 4225000000 pixels")
    }

    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    // MARK: signals

    struct Report: Decodable { let stopReason: String }

    func assertSignalSaves(_ signal: Int32, status: Int32, file: StaticString = #filePath, line: UInt = #line) throws {
        let inputs = try snapshot()
        let result = try CLI.run(
            ["--content", path("content.png"), "--style", path("style.png"), "--size", "32", "--iterations", "100000",
             "-o", path("out.png"), "--report", path("run.json"), "--print-every", "1"],
            interruptAfter: "iteration 2/", signal: signal)
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: path("run.json"))))
        XCTAssertEqual(report.stopReason, "interrupted", file: file, line: line)
        XCTAssertEqual(try ImageFile.read(path: path("out.png")).width, 32, file: file, line: line)
        for (name, bytes) in inputs { XCTAssertEqual(try snapshot()[name], bytes, name, file: file, line: line) }
    }

    func testSIGTERMSavesTheImageAndReport() throws { try assertSignalSaves(SIGTERM, status: 143) }

    /// SIGTERM while a large style's targets are computed in tiles: the process ends within
    /// 2 seconds, says nothing was written, and writes nothing.
    func testSIGTERMWhileStyleTargetsAreComputedInTilesEndsAtOnce() throws {
        let before = try snapshot()
        let running = try CLIProcess(
            ["--content", path("content.png"), "--style", path("style.png"), "--size", "32", "--style-scale", "40",
             "--memory-limit", "400M", "-o", path("out.png"), "--report", path("run.json")],
            timeout: CLI.defaultTimeout)
        var collected = Data()
        while !String(decoding: collected, as: UTF8.self).contains("style targets:") {
            let chunk = running.stderr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            collected.append(chunk)
        }
        XCTAssertTrue(String(decoding: collected, as: UTF8.self).contains("in tiles"), String(decoding: collected, as: UTF8.self))
        let sent = Date()
        kill(running.process.processIdentifier, SIGTERM)
        running.wait()
        XCTAssertLessThan(Date().timeIntervalSince(sent), 2, "seconds from SIGTERM to exit")
        XCTAssertEqual(running.process.terminationStatus, 143)
        let said = String(decoding: running.stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(said, "interrupted by SIGTERM before the first iteration: nothing written\n")
        XCTAssertEqual(try snapshot(), before, "no file written")
    }

    func testSIGHUPSavesTheImageAndReport() throws { try assertSignalSaves(SIGHUP, status: 129) }

    // MARK: caches and HOME

    /// Every cached program binary truncated: the next run discards and rebuilds them.
    func testTruncatedProgramCacheIsRebuilt() throws {
        let cache = directory.appending(path: "cache")
        let environment = ["STYLIZE_GPU_CACHE_DIR": cache.path]
        let arguments = ["--content", path("content.png"), "--style", path("style.png"), "--size", "32", "--iterations", "1", "--quiet"]
        XCTAssertEqual(try CLI.run(arguments + ["-o", path("first.png")], environment: environment).status, 0)
        let programs = cache.appending(path: "programs")
        let files = try FileManager.default.contentsOfDirectory(atPath: programs.path).filter { $0.hasSuffix(".bin") }
        XCTAssertFalse(files.isEmpty)
        var sizes: [String: Int] = [:]
        for name in files {
            let url = programs.appending(path: name)
            let bytes = try Data(contentsOf: url)
            sizes[name] = bytes.count
            try bytes.prefix(bytes.count / 2).write(to: url)
        }
        let second = try CLI.run(arguments + ["-o", path("second.png")], environment: environment)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try ImageFile.read(path: path("second.png")), try ImageFile.read(path: path("first.png")))
        for name in files {
            let size = try Data(contentsOf: programs.appending(path: name)).count
            XCTAssertEqual(size, sizes[name], "\(name) rebuilt whole")
        }
    }

    /// A service user's HOME that cannot hold a cache (here: a regular file) does not hide
    /// the installed driver.
    func testUnusableHomeStillFindsTheDriver() throws {
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: path("home")))
        let result = try CLI.run(
            ["devices"], environment: ["HOME": path("home")],
            removingEnvironment: ["XDG_CACHE_HOME", "POCL_CACHE_DIR", "STYLIZE_GPU_CACHE_DIR"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stderr.contains("no OpenCL platform"), result.stderr)
        XCTAssertTrue(result.stdout.contains("index"), result.stdout)
    }

    // MARK: formats

    /// A phone photo: stored landscape, EXIF orientation 6 (rotate 90° clockwise to show).
    func testPhoneJPEGWithOrientation6ComesOutUpright() throws {
        let (width, height) = (48, 32)
        var pixels = [UInt8](repeating: 40, count: width * height * 3)
        for y in 0..<8 { for x in 0..<8 { pixels[(y * width + x) * 3] = 250 } }  // red corner, top-left as stored
        try ImageFile.write(
            RGBImage(width: width, height: height, pixels: pixels), to: path("phone.jpg"), format: .jpeg, quality: 95,
            exifOrientation: 6)
        let decoded = try ImageFile.decode(path: path("phone.jpg"))
        XCTAssertEqual([decoded.orientation, decoded.image.width, decoded.image.height], [6, 32, 48])
        // Rotated clockwise, the stored top-left corner is shown top-right.
        XCTAssertGreaterThan(decoded.image.pixels[(2 * 32 + 29) * 3], 200)
        XCTAssertLessThan(decoded.image.pixels[(2 * 32 + 2) * 3], 100)

        let before = try snapshot()
        let result = try run(["-o", path("out.png"), "--quiet"], content: path("phone.jpg"), size: 48)
        XCTAssertEqual(result.status, 0, result.stderr)
        let output = try ImageFile.read(path: path("out.png"))
        XCTAssertEqual([output.width, output.height], [32, 48], "upright: portrait")
        for (name, bytes) in before { XCTAssertEqual(try snapshot()[name], bytes, name) }
    }

    /// The PNG eXIf chunk is honoured too.
    func testPNGExifOrientation() throws {
        let image = RGBImage(width: 6, height: 4, pixels: (0..<72).map { UInt8($0) })
        try ImageFile.write(image, to: path("turned.png"), format: .png, exifOrientation: 8)
        let decoded = try ImageFile.decode(path: path("turned.png"))
        XCTAssertEqual([decoded.orientation, decoded.image.width, decoded.image.height], [8, 4, 6])
        // 90° counter-clockwise: the stored top-right pixel is shown top-left.
        XCTAssertEqual(Array(decoded.image.pixels[0..<3]), Array(image.pixels[15..<18]))
    }

    /// A transparent PNG keeps its alpha (resized to the result) in PNG and WebP results.
    func testTransparentPNGKeepsItsAlpha() throws {
        let content = try ImageFile.read(path: path("content.png")).resized(longestSide: 64)
        let alpha = (0..<64 * 64).map { UInt8($0 % 64 < 32 ? 0 : 255) }  // left half transparent
        try ImageFile.write(content, alpha: alpha, to: path("cutout.png"))
        XCTAssertEqual(try ImageFile.decode(path: path("cutout.png")).alpha, alpha)
        for output in ["out.png", "out.webp"] {
            let result = try run(["-o", path(output), "--quiet"], content: path("cutout.png"))
            XCTAssertEqual(result.status, 0, result.stderr)
            let written = try ImageFile.decode(path: path(output))
            XCTAssertEqual([written.image.width, written.image.height], [32, 32])
            let kept = try XCTUnwrap(written.alpha, "\(output) has alpha")
            XCTAssertEqual(kept[5 * 32 + 3], 0, output)
            XCTAssertEqual(kept[5 * 32 + 28], 255, output)
        }
    }

    /// WebP in; JPEG (with --jpeg-quality) and WebP out, each decoded; the ICC profile carried.
    func testWebPInJPEGAndWebPOutWithTheICCProfile() throws {
        let content = try ImageFile.read(path: path("content.png")).resized(longestSide: 48)
        try ImageFile.write(content, to: path("photo.webp"))
        let webp = try ImageFile.decode(path: path("photo.webp"))
        XCTAssertEqual(webp.format, .webp)
        XCTAssertEqual(webp.image, content, "lossless")
        for (output, format) in [("out.jpg", ImageFormat.jpeg), ("out.webp", .webp)] {
            let result = try run(["-o", path(output), "--quiet", "--jpeg-quality", "80"], content: path("photo.webp"))
            XCTAssertEqual(result.status, 0, result.stderr)
            let written = try ImageFile.decode(path: path(output))
            XCTAssertEqual(written.format, format)
            XCTAssertEqual([written.image.width, written.image.height], [32, 32])
        }
        let profile = Self.iccProfile()
        XCTAssertEqual(profile.count, 576)
        try ImageFile.write(content, iccProfile: profile, to: path("tagged.jpg"), quality: 95)
        try ImageFile.write(content, iccProfile: profile, to: path("tagged.png"))
        for input in ["tagged.jpg", "tagged.png"] {
            XCTAssertEqual(try ImageFile.decode(path: path(input)).iccProfile, profile, input)
            for output in ["carried.png", "carried.jpg"] {
                let result = try run(["-o", path(output), "--quiet"], content: path(input))
                XCTAssertEqual(result.status, 0, result.stderr)
                XCTAssertEqual(try ImageFile.decode(path: path(output)).iccProfile, profile, "\(input) → \(output)")
            }
        }
        XCTAssertEqual(try CLI.run(["--version"]).stdout, StylizeGPUVersion.string + "\n")
    }

    /// A small ICC profile libpng accepts: a 128-byte header (RGB display, XYZ PCS, D50), the
    /// white point and 400 private bytes (libpng skips an iCCP chunk under 92 bytes).
    static func iccProfile() -> [UInt8] {
        var profile = [UInt8](repeating: 0, count: 576)
        profile[2] = 0x02
        profile[3] = 0x40
        profile.replaceSubrange(128..<132, with: [0, 0, 0, 2])
        profile.replaceSubrange(132..<144, with: Array("wtpt".utf8) + [0, 0, 0, 156, 0, 0, 0, 20])
        profile.replaceSubrange(144..<156, with: Array("zzzz".utf8) + [0, 0, 0, 176, 0, 0, 1, 0x90])
        profile.replaceSubrange(156..<160, with: Array("XYZ ".utf8))
        profile.replaceSubrange(164..<176, with: [0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D])
        var random = TestRandom(seed: 14)
        for index in 176..<576 { profile[index] = UInt8(truncatingIfNeeded: Int((random.next() + 1) * 128)) }
        profile[8] = 2
        profile[9] = 0x10
        profile.replaceSubrange(12..<24, with: Array("mntrRGB XYZ ".utf8))
        profile.replaceSubrange(36..<40, with: Array("acsp".utf8))
        profile.replaceSubrange(68..<80, with: [0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D])
        return profile
    }
}
