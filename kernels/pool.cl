// 2×2 stride-2 pooling of C×H×W into C×(H/2)×(W/2); trailing odd rows/columns are dropped.

__kernel void max_pool_forward(const int channels, const int height, const int width,
                               __global const float* input, __global float* output) {
    const int outH = height / 2, outW = width / 2;
    const int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= outW || y >= outH || c >= channels) return;
    __global const float* in = input + (c * height + 2 * y) * width + 2 * x;
    output[(c * outH + y) * outW + x] = fmax(fmax(in[0], in[1]), fmax(in[width], in[width + 1]));
}

// Each input element receives the output gradient if it is its window's first maximum
// (row-major order, as PyTorch picks), else 0. Every input element is written.
__kernel void max_pool_backward(const int channels, const int height, const int width,
                                __global const float* input, __global const float* gradOutput,
                                __global float* gradInput) {
    const int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= width || y >= height || c >= channels) return;
    const int outH = height / 2, outW = width / 2;
    const int oy = y / 2, ox = x / 2;
    float gradient = 0.0f;
    if (oy < outH && ox < outW) {
        __global const float* in = input + (c * height + 2 * oy) * width + 2 * ox;
        const float v[4] = {in[0], in[1], in[width], in[width + 1]};
        int best = 0;
        for (int j = 1; j < 4; ++j) if (v[j] > v[best]) best = j;
        if (best == (y - 2 * oy) * 2 + (x - 2 * ox)) gradient = gradOutput[(c * outH + oy) * outW + ox];
    }
    gradInput[(c * height + y) * width + x] = gradient;
}

__kernel void avg_pool_forward(const int channels, const int height, const int width,
                               __global const float* input, __global float* output) {
    const int outH = height / 2, outW = width / 2;
    const int x = get_global_id(0), y = get_global_id(1), c = get_global_id(2);
    if (x >= outW || y >= outH || c >= channels) return;
    __global const float* in = input + (c * height + 2 * y) * width + 2 * x;
    output[(c * outH + y) * outW + x] = 0.25f * ((in[0] + in[1]) + (in[width] + in[width + 1]));
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
