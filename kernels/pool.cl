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
// (row-major order, as PyTorch picks), else 0. One work-item per 2×2 window of the input
// (⌈W/2⌉ × ⌈H/2⌉ of them, so the dropped odd row/column is written too, with 0), with no
// private array indexing, so that PoCL vectorises across x.
__kernel void max_pool_backward(const int channels, const int height, const int width,
                                __global const storage_t* input, __global const float* gradOutput,
                                __global float* gradInput) {
    const int ox = get_global_id(0), oy = get_global_id(1), c = get_global_id(2);
    const int x = 2 * ox, y = 2 * oy;
    if (x >= width || y >= height || c >= channels) return;
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
        const bool takeE = !takeA && !takeB && !takeD;
        gradInput[i] = takeA ? g : 0.0f;
        gradInput[i + 1] = takeB ? g : 0.0f;
        gradInput[i + width] = takeD ? g : 0.0f;
        gradInput[i + width + 1] = takeE ? g : 0.0f;
    } else {
        // The odd last row or column, which no window reads.
        gradInput[i] = 0.0f;
        if (x + 1 < width) gradInput[i + 1] = 0.0f;
        if (y + 1 < height) gradInput[i + width] = 0.0f;
        if (x + 1 < width && y + 1 < height) gradInput[i + width + 1] = 0.0f;
    }
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
