/// How a tiled objective cuts an image: cores that partition it, each grown by the halo
/// (clipped at the image's edges) into the region a network pass runs on.
///
/// Core edges fall on multiples of `alignment`, the deepest layer's stride, and so does a
/// region's start, so each pooling window of a region is one of the whole image's and a
/// layer's core positions are exactly its share of that layer over the whole image.
public struct TileGrid: Equatable, Sendable {
    public struct Tile: Equatable, Sendable {
        public let core: PixelRect
        public let region: PixelRect
    }

    public let height: Int
    public let width: Int
    public let halo: Int
    public let alignment: Int
    /// Row-major, `rows` × `columns`.
    public let tiles: [Tile]
    public let rows: Int
    public let columns: Int

    /// Cores of at most about `tileSize` pixels a side (rounded to `alignment`), as equal as
    /// alignment allows. `halo` must be a multiple of `alignment`.
    public init(height: Int, width: Int, tileSize: Int, halo: Int, alignment: Int) {
        precondition(alignment > 0 && halo >= 0 && halo % alignment == 0, "the halo must be a multiple of the alignment")
        precondition(tileSize >= alignment, "tiles must be at least one alignment step")
        self.height = height
        self.width = width
        self.halo = halo
        self.alignment = alignment
        let rowEdges = Self.edges(length: height, tileSize: tileSize, alignment: alignment)
        let columnEdges = Self.edges(length: width, tileSize: tileSize, alignment: alignment)
        rows = rowEdges.count - 1
        columns = columnEdges.count - 1
        var tiles: [Tile] = []
        for row in 0..<rows {
            for column in 0..<columns {
                let core = PixelRect(
                    y0: rowEdges[row], y1: rowEdges[row + 1], x0: columnEdges[column], x1: columnEdges[column + 1])
                let region = PixelRect(
                    y0: max(0, core.y0 - halo), y1: min(height, core.y1 + halo), x0: max(0, core.x0 - halo),
                    x1: min(width, core.x1 + halo))
                tiles.append(Tile(core: core, region: region))
            }
        }
        self.tiles = tiles
    }

    /// 0 = e0 < e1 < … < en = length, inner edges on multiples of `alignment`, n = ⌈length / tileSize⌉
    /// pieces (fewer when alignment merges them).
    static func edges(length: Int, tileSize: Int, alignment: Int) -> [Int] {
        let pieces = max(1, (length + tileSize - 1) / tileSize)
        var edges = [0]
        for index in 1..<max(1, pieces) {
            let edge = Int((Double(index * length) / Double(pieces) / Double(alignment)).rounded()) * alignment
            if edge > edges.last! && edge < length { edges.append(edge) }
        }
        edges.append(length)
        return edges
    }

    /// The largest region: what a pass serving every tile is made for.
    public var regionCapacity: (height: Int, width: Int) {
        (tiles.map(\.region.height).max() ?? 0, tiles.map(\.region.width).max() ?? 0)
    }

    /// The tile's core positions of a layer whose output is 1/2^shift of the image, in the
    /// coordinates of that layer over the tile's region (`region`) and over the whole image
    /// (`image`). Over all tiles, the `image` rectangles partition the layer.
    public func layerCore(_ tile: Tile, shift: Int) -> (region: PixelRect, image: PixelRect) {
        precondition(1 << shift <= alignment, "layers deeper than the alignment do not tile exactly")
        func end(_ coreEnd: Int, _ length: Int) -> Int { coreEnd == length ? length >> shift : coreEnd >> shift }
        let image = PixelRect(
            y0: tile.core.y0 >> shift, y1: end(tile.core.y1, height), x0: tile.core.x0 >> shift,
            x1: end(tile.core.x1, width))
        let (dy, dx) = (tile.region.y0 >> shift, tile.region.x0 >> shift)
        let region = PixelRect(y0: image.y0 - dy, y1: image.y1 - dy, x0: image.x0 - dx, x1: image.x1 - dx)
        return (region, image)
    }
}
