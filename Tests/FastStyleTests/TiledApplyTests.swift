import CLRuntime
import FastStyle
import StyleEngine
import TestSupport
import XCTest

/// Issue 22's tiled apply: the network layer by layer in row bands, each norm's statistics
/// reduced over every band before it normalizes, equals the untiled pass; the statistics'
/// reduction equals a whole-tensor reduction; a memory limit the untiled pass would pass is
/// kept by the bands.
final class TiledApplyTests: XCTestCase {
    /// The fixture photo at 64×48: sides that are multiples of 4, so no crop hides a band edge.
    func photo(width: Int = 64, height: Int = 48) throws -> RGBImage {
        try ImageFile.read(path: FastFixtures.input).resized(width: width, height: height)
    }

    func network(_ path: String, session: TransformerSession) throws -> (TransformerNetwork, TransformerModel) {
        let model = try TransformerModel.load(path: path)
        return (try session.network(for: model, key: path), model)
    }

    /// The untiled pass's and the tiled pass's float outputs for one photo and style.
    func outputs(_ path: String, photo: RGBImage, style: StyleSelection, bandRows: Int) throws -> (
        untiled: [Float], tiled: [Float], plan: TilePlan
    ) {
        let session = try TransformerSession(device: DeviceInventory.device(at: FastTestDevice.index))
        let (network, _) = try network(path, session: session)
        let (height, width) = (photo.height, photo.width)
        let planes = StyleApplier.planar(photo)
        let shape = network.outputShape(height: height, width: width)
        let output = try session.library.gpu.buffer(Float.self, count: shape.count)
        try network.forward(
            image: try session.library.gpu.buffer(planes), height: height, width: width, output: output, style: style)
        let untiled = try output.download(queue: session.library.queue)
        let plan = try TilePlan(network: network, height: height, width: width, budgetBytes: 1 << 30, bandRows: bandRows)
        let tiled = try TiledApplier(network: network).forward(
            image: planes, height: height, width: width, style: style, plan: plan)
        return (untiled, tiled, plan)
    }

    func assertTiledEqualsUntiled(_ path: String, style: StyleSelection, _ label: String) throws {
        let (untiled, tiled, plan) = try outputs(path, photo: try photo(), style: style, bandRows: 16)
        XCTAssertEqual(plan.layerBandRows.prefix(3), [16, 8, 4], label)
        XCTAssertGreaterThanOrEqual(plan.tiles, 3 * 16, "every layer in 3 bands or more: \(plan)")
        let worst = zip(untiled, tiled).map { abs($0 - $1) }.max()!
        let scale = untiled.map(abs).max()!
        print("\(label): \(plan); max |tiled − untiled| \(worst) of values up to \(scale)")
        XCTAssertLessThanOrEqual(worst, 1e-3 * max(scale, 1), label)
        let levels = zip(untiled, tiled).map { abs(Self.level($0) - Self.level($1)) }
        XCTAssertLessThanOrEqual(levels.max()!, 1, label)
    }

    static func level(_ value: Float) -> Int { Int(min(255, max(0, value)).rounded()) }

    func testTiledEqualsUntiledOnThePlainModel() throws {
        try assertTiledEqualsUntiled(FastFixtures.plainModel, style: .style(0), "plain")
    }

    func testTiledEqualsUntiledOnAConditionalStyleAndABlend() throws {
        try assertTiledEqualsUntiled(FastFixtures.cinModel, style: .style(2), "CIN style 2")
        try assertTiledEqualsUntiled(FastFixtures.cinModel, style: .blend([0.5, 0, 0.25, 0.25]), "CIN blend")
    }

    /// Bands of one row, and a band that leaves a short last one, change nothing either.
    func testOneRowBandsAndAnUnevenLastBand() throws {
        let photo = try photo(width: 36, height: 28)
        for rows in [1, 11] {
            let (untiled, tiled, _) = try outputs(FastFixtures.plainModel, photo: photo, style: .style(0), bandRows: rows)
            let worst = zip(untiled, tiled).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-3 * untiled.map(abs).max()!, "bands of \(rows)")
        }
    }

    /// The reduction over uneven tiles against the whole tensor's two-pass mean and biased
    /// variance in Double (the CPU twin), on values with a large mean.
    func testStatisticsOverTilesEqualTheWholeTensors() {
        var random = TestRandom(seed: 22)
        let (channels, positions) = (5, 1000)
        let values = (0..<channels).flatMap { channel in
            random.array(positions, scale: Float(channel + 1) * 10).map { $0 + 1000 * Float(channel) }
        }
        var statistics = TileStatistics(channels: channels)
        var start = 0
        for size in [1, 7, 300, 92, 600] {
            // A band of rows: each channel's slice of it.
            let tile = (0..<channels).flatMap { values[($0 * positions + start)..<($0 * positions + start + size)] }
            tile.withUnsafeBufferPointer { statistics.add(planes: $0, positions: size) }
            start += size
        }
        XCTAssertEqual(start, positions)
        for channel in 0..<channels {
            let plane = values[(channel * positions)..<((channel + 1) * positions)].map(Double.init)
            let mean = plane.reduce(0, +) / Double(positions)
            let variance = plane.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(positions)
            XCTAssertEqual(statistics.counts[channel], positions)
            XCTAssertEqual(statistics.means[channel], mean, accuracy: 1e-12 * max(1, abs(mean)), "channel \(channel)")
            XCTAssertEqual(statistics.variance(channel), variance, accuracy: 1e-10 * variance, "channel \(channel)")
            XCTAssertEqual(
                statistics.inverseStd(channel), 1 / (variance + Double(InstanceNorm.defaultEpsilon)).squareRoot(),
                accuracy: 1e-12)
        }
        var halves = TileStatistics(channels: channels)
        var other = TileStatistics(channels: channels)
        values.withUnsafeBufferPointer { all in
            for channel in 0..<channels {
                let base = channel * positions
                halves.add(channel: channel, UnsafeBufferPointer(rebasing: all[base..<(base + 400)]))
                other.add(channel: channel, UnsafeBufferPointer(rebasing: all[(base + 400)..<(base + positions)]))
            }
        }
        halves.merge(other)
        for channel in 0..<channels {
            XCTAssertEqual(halves.variance(channel), statistics.variance(channel), accuracy: 1e-10 * statistics.variance(channel))
        }
    }

    /// Under a limit the untiled pass would pass, StyleApplier tiles by itself, its peak device
    /// memory stays under the limit, and the picture is the unlimited untiled one within a level.
    func testAMemoryLimitForcesTilesThatStayUnderIt() throws {
        let photo = try photo(width: 128, height: 96)
        let free = try TransformerSession(device: DeviceInventory.device(at: FastTestDevice.index))
        let (unlimitedNetwork, _) = try network(FastFixtures.plainModel, session: free)
        let untiledBytes = TilePlan.untiledBytes(network: unlimitedNetwork, height: photo.height, width: photo.width)
        XCTAssertNil(try StyleApplier(network: unlimitedNetwork).plan(height: photo.height, width: photo.width))
        let expected = try StyleApplier(network: unlimitedNetwork).apply(photo)

        let weights = free.allocatedBytes - untiledBytes  // the unlimited session holds the model and one pass
        let limit = weights + untiledBytes / 4
        let session = try TransformerSession(device: DeviceInventory.device(at: FastTestDevice.index), memoryLimit: limit)
        let (network, _) = try network(FastFixtures.plainModel, session: session)
        let applier = StyleApplier(network: network)
        let plan = try XCTUnwrap(try applier.plan(height: photo.height, width: photo.width))
        let result = try applier.apply(photo, style: .style(0), plan: plan)
        print("limit \(limit) B (untiled pass \(untiledBytes) B): \(plan); peak \(session.peakAllocatedBytes) B")
        XCTAssertLessThanOrEqual(session.peakAllocatedBytes, limit)
        XCTAssertGreaterThan(plan.tiles, plan.layerBandRows.count)
        let agreement = FastFixtures.agreement(result, expected)
        XCTAssertEqual(agreement.withinOne, 1, "\(agreement)")
    }

    /// A budget under one row of the widest layer is refused in one line.
    func testABudgetUnderOneRowIsRefused() throws {
        let session = try TransformerSession(device: DeviceInventory.device(at: FastTestDevice.index))
        let (network, _) = try network(FastFixtures.plainModel, session: session)
        XCTAssertThrowsError(try TilePlan(network: network, height: 48, width: 64, budgetBytes: 10_000)) { error in
            XCTAssertEqual(error as? ApplyError, .tooLargeForDevice(width: 64, height: 48, budgetBytes: 10_000))
        }
    }
}
