/// `--tile-size` and `--tile-halo`: both nil by default (tiles only where one pass does not
/// fit; the halo exact for the deepest layer).
public struct TilingSettings: Sendable, Codable, Equatable {
    /// Forces tiles of about this core side, even where one pass would fit.
    public var tileSize: Int?
    /// Overrides the halo (rounded up to the deepest layer's stride): less than exact changes
    /// the loss near tile borders.
    public var halo: Int?

    public init(tileSize: Int? = nil, halo: Int? = nil) {
        self.tileSize = tileSize
        self.halo = halo
    }
}
