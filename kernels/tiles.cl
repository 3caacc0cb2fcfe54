// Windows of C×H×W tensors for objectives evaluated tile by tile (TiledObjective): a tile's
// region cut out of the whole image, its gradient added back, a layer's core positions kept.
// Work-items: (column, row, channel) of the window or of the layer.

// dst[c, dstY + i, dstX + j] = (or += when `add`) src[c, srcY + i, srcX + j], i < rows, j < cols.
#define COPY_WINDOW(NAME, SRC_T, LOAD_SRC)                                                                   \
__kernel void NAME(const int rows, const int cols, const int srcWidth, const int srcPlane, const int srcY,   \
                   const int srcX, __global const SRC_T* src, const int dstWidth, const int dstPlane,        \
                   const int dstY, const int dstX, const int add, __global float* dst) {                     \
    const int j = get_global_id(0), i = get_global_id(1), c = get_global_id(2);                              \
    if (j >= cols || i >= rows) return;                                                                      \
    const float value = LOAD_SRC(src, c * srcPlane + (srcY + i) * srcWidth + srcX + j);                      \
    const int at = c * dstPlane + (dstY + i) * dstWidth + dstX + j;                                          \
    dst[at] = add ? dst[at] + value : value;                                                                 \
}
COPY_WINDOW(copy_window, float, READ_FLOAT)
COPY_WINDOW(copy_window_stored, storage_t, LOAD)

// dst = src at positions inside rows [y0, y1) × columns [x0, x1) of each channel, 0 elsewhere.
__kernel void keep_window(const int height, const int width, const int y0, const int y1, const int x0, const int x1,
                          __global const storage_t* src, __global storage_t* dst) {
    const int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= width || y >= height) return;
    const int at = (c * height + y) * width + x;
    const bool inside = y >= y0 && y < y1 && x >= x0 && x < x1;
    STORE(inside ? LOAD(src, at) : 0.0f, dst, at);
}

// The content target of a tile's region: inside the core window, the whole image's target
// (window origin at targetY, targetX of a targetHeight × targetWidth layer); outside it, the
// features themselves, so that their difference, loss and gradient there are zero.
__kernel void window_target(const int height, const int width, const int y0, const int y1, const int x0,
                            const int x1, __global const storage_t* features, const int targetHeight,
                            const int targetWidth, const int targetY, const int targetX,
                            __global const float* target, __global float* out) {
    const int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= width || y >= height) return;
    const int at = (c * height + y) * width + x;
    const bool inside = y >= y0 && y < y1 && x >= x0 && x < x1;
    out[at] = inside ? target[(c * targetHeight + targetY + y - y0) * targetWidth + targetX + x - x0]
                     : LOAD(features, at);
}
