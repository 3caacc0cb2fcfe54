// 2×2 stride-2 pooling of C×H×W into C×(H/2)×(W/2); trailing odd rows/columns are dropped.
// Activations are storage_t (storage.cl), gradients float.

__kernel void max_pool_forward(const int channels, const int height, const int width,
                               __global const storage_t* input, __global storage_t* output) {
    const int outH = height / 2, outW = width / 2;
    const int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= outW || y >= outH || c >= channels) return;
    const int i = (c * height + 2 * y) * width + 2 * x;
    const float value = fmax(fmax(LOAD(input, i), LOAD(input, i + 1)),
                             fmax(LOAD(input, i + width), LOAD(input, i + width + 1)));
    STORE(value, output, (c * outH + y) * outW + x);
}

// Each input element receives the output gradient if it is its window's first maximum
// (row-major order, as PyTorch picks), else 0; every input element is written, the dropped
// odd row/column with 0. A work-item takes 8 windows of a row of windows (16 input columns):
// vector loads, even/odd lanes for the windows' columns, no private-array indexing, so that
// CPUs run it at memory speed. global = [⌈⌈W/2⌉/8⌉, ⌈H/2⌉, C].

// One window (or the odd leftovers, which no window reads) by scalars.
inline void max_pool_backward_window(const int height, const int width, const int c, const int ox, const int oy,
                                     __global const storage_t* input, __global const float* gradOutput,
                                     __global float* gradInput) {
    const int x = 2 * ox, y = 2 * oy;
    if (x >= width || y >= height) return;
    const int outH = height / 2, outW = width / 2;
    const int i = (c * height + y) * width + x;
    if (oy < outH && ox < outW) {
        const float a = LOAD(input, i), b = LOAD(input, i + 1);
        const float d = LOAD(input, i + width), e = LOAD(input, i + width + 1);
        const float g = gradOutput[(c * outH + oy) * outW + ox];
        // The first of a, b, d, e (in that order) to reach the maximum.
        const bool takeA = a >= b && a >= d && a >= e;
        const bool takeB = !takeA && b >= d && b >= e;
        const bool takeD = !takeA && !takeB && d >= e;
        gradInput[i] = takeA ? g : 0.0f;
        gradInput[i + 1] = takeB ? g : 0.0f;
        gradInput[i + width] = takeD ? g : 0.0f;
        gradInput[i + width + 1] = !takeA && !takeB && !takeD ? g : 0.0f;
    } else {
        gradInput[i] = 0.0f;
        if (x + 1 < width) gradInput[i + 1] = 0.0f;
        if (y + 1 < height) gradInput[i + width] = 0.0f;
        if (x + 1 < width && y + 1 < height) gradInput[i + width + 1] = 0.0f;
    }
}

__kernel void max_pool_backward(const int channels, const int height, const int width,
                                __global const storage_t* input, __global const float* gradOutput,
                                __global float* gradInput) {
    const int ox0 = get_global_id(0) * 8, oy = get_global_id(1), c = get_global_id(2);
    if (c >= channels) return;
    const int outH = height / 2, outW = width / 2;
    if (oy < outH && ox0 + 8 <= outW) {
        const int i = (c * height + 2 * oy) * width + 2 * ox0;
        const float16 top = LOAD16(input, i), bottom = LOAD16(input, i + width);
        const float8 a = top.even, b = top.odd, d = bottom.even, e = bottom.odd;
        const float8 g = vload8(0, gradOutput + (c * outH + oy) * outW + ox0);
        const int8 takeA = a >= b && a >= d && a >= e;
        const int8 takeB = !takeA && b >= d && b >= e;
        const int8 takeD = !takeA && !takeB && d >= e;
        const int8 takeE = !takeA && !takeB && !takeD;
        const float8 zero = (float8)(0.0f);
        const uint16 interleave = (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
        vstore16(shuffle2(select(zero, g, takeA), select(zero, g, takeB), interleave), 0, gradInput + i);
        vstore16(shuffle2(select(zero, g, takeD), select(zero, g, takeE), interleave), 0, gradInput + i + width);
        return;
    }
    for (int ox = ox0; ox < ox0 + 8; ++ox)
        max_pool_backward_window(height, width, c, ox, oy, input, gradOutput, gradInput);
}

__kernel void avg_pool_forward(const int channels, const int height, const int width,
                               __global const storage_t* input, __global storage_t* output) {
    const int outH = height / 2, outW = width / 2;
    const int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= outW || y >= outH || c >= channels) return;
    const int i = (c * height + 2 * y) * width + 2 * x;
    const float value = 0.25f * ((LOAD(input, i) + LOAD(input, i + 1)) + (LOAD(input, i + width) + LOAD(input, i + width + 1)));
    STORE(value, output, (c * outH + y) * outW + x);
}

__kernel void avg_pool_backward(const int channels, const int height, const int width,
                                __global const float* gradOutput, __global float* gradInput) {
    const int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= width || y >= height || c >= channels) return;
    const int outH = height / 2, outW = width / 2;
    const int oy = y / 2, ox = x / 2;
    const float gradient = (oy < outH && ox < outW) ? 0.25f * gradOutput[(c * outH + oy) * outW + ox] : 0.0f;
    gradInput[(c * height + y) * width + x] = gradient;
}
