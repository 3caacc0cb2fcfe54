/// Rows [y0, y1) and columns [x0, x1) of an image or a layer.
public struct PixelRect: Equatable, Sendable, Codable {
    public var y0: Int
    public var y1: Int
    public var x0: Int
    public var x1: Int

    public init(y0: Int, y1: Int, x0: Int, x1: Int) {
        (self.y0, self.y1, self.x0, self.x1) = (y0, y1, x0, x1)
    }

    public var height: Int { y1 - y0 }
    public var width: Int { x1 - x0 }
    public var area: Int { height * width }
}
