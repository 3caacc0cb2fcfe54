import CLRuntime

/// kernels/tiles.cl: the window copies of a tiled objective, on C×H×W tensors.
public enum TileWindows {
    /// dst[c, at dst window] = (or += when `add`) src[c, at src window], both windows `rows` × `cols`;
    /// `src` [C × srcHeight × srcWidth], `dst` [C × dstHeight × dstWidth] float.
    public static func copy(
        library: KernelLibrary, channels: Int, rows: Int, cols: Int, src: StoredBuffer,
        srcSize: (height: Int, width: Int), srcOrigin: (y: Int, x: Int), dst: Buffer<Float>,
        dstSize: (height: Int, width: Int), dstOrigin: (y: Int, x: Int), add: Bool
    ) throws {
        guard rows > 0, cols > 0, channels > 0 else { return }
        let name: String
        switch src {
        case .float: name = "copy_window"
        case .half: name = "copy_window_stored"
        }
        try library.kernel("tiles", name).enqueue(
            on: library.queue, global: [cols, rows, channels], rows, cols, srcSize.width, srcSize.height * srcSize.width,
            srcOrigin.y, srcOrigin.x, src, dstSize.width, dstSize.height * dstSize.width, dstOrigin.y, dstOrigin.x,
            add ? 1 : 0, dst)
    }

    /// dst [C×H×W] = src inside `window`, 0 elsewhere (a layer's features at a tile's core).
    public static func keep(
        library: KernelLibrary, channels: Int, height: Int, width: Int, window: PixelRect, src: StoredBuffer,
        dst: StoredBuffer
    ) throws {
        try library.kernel("tiles", "keep_window").enqueue(
            on: library.queue, global: [width, height, channels], height, width, window.y0, window.y1, window.x0,
            window.x1, src, dst)
    }

    /// out [C×H×W] = the whole-image `target` [C × targetHeight × targetWidth] at `targetWindow`
    /// inside `window`, `features` elsewhere (so a content loss sees no difference outside the core).
    public static func target(
        library: KernelLibrary, channels: Int, height: Int, width: Int, window: PixelRect, features: StoredBuffer,
        target: Buffer<Float>, targetSize: (height: Int, width: Int), targetOrigin: (y: Int, x: Int),
        out: Buffer<Float>
    ) throws {
        try library.kernel("tiles", "window_target").enqueue(
            on: library.queue, global: [width, height, channels], height, width, window.y0, window.y1, window.x0,
            window.x1, features, targetSize.height, targetSize.width, targetOrigin.y, targetOrigin.x, target, out)
    }
}
