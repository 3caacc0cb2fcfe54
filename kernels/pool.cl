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
// (row-major order, as PyTorch picks), else 0. Every input element is written.
__kernel void max_pool_backward(const int channels, const int height, const int width,
                                __global const storage_t* input, __global const float* gradOutput,
                                __global float* gradInput) {
    const int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= width || y >= height || c >= channels) return;
    const int outH = height / 2, outW = width / 2;
    const int oy = y / 2, ox = x / 2;
    float gradient = 0.0f;
    if (oy < outH && ox < outW) {
        const int i = (c * height + 2 * oy) * width + 2 * ox;
        const float v[4] = {LOAD(input, i), LOAD(input, i + 1), LOAD(input, i + width), LOAD(input, i + width + 1)};
        int best = 0;
        for (int j = 1; j < 4; ++j) if (v[j] > v[best]) best = j;
        if (best == (y - 2 * oy) * 2 + (x - 2 * ox)) gradient = gradOutput[(c * outH + oy) * outW + ox];
    }
    gradInput[(c * height + y) * width + x] = gradient;
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
