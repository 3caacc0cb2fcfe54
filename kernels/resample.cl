// Reflection padding, nearest ×2 upsampling and the residual add of TransformerNet, on
// N×C×H×W tensors taken as N·C planes. Activations are storage_t (storage.cl), gradients
// float. Every backward here overwrites its output. Built after storage.cl.

// PyTorch's ReflectionPad2d index (the edge is not repeated); needs pad < n.
inline int reflect_index(const int i, const int n) { return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i); }

// out[plane][y][x] = in[plane][reflect(y − pad)][reflect(x − pad)], out (H+2p) × (W+2p).
// global = [W+2p, H+2p, planes]. The _from_float form pads the float image into storage.
#define REFLECTION_PAD_FORWARD(NAME, INPUT_T, READ)                                                        \
__kernel void NAME(const int height, const int width, const int pad, const int planes,                   \
                   __global const INPUT_T* input, __global storage_t* output) {                          \
    const int x = get_global_id(0), y = get_global_id(1), plane = get_global_id(2);                      \
    const int outHeight = height + 2 * pad, outWidth = width + 2 * pad;                                  \
    if (x >= outWidth || y >= outHeight || plane >= planes) return;                                      \
    const int sy = reflect_index(y - pad, height), sx = reflect_index(x - pad, width);                   \
    STORE(READ(input, ((long)plane * height + sy) * width + sx), output,                                 \
          ((long)plane * outHeight + y) * outWidth + x);                                                 \
}

REFLECTION_PAD_FORWARD(reflection_pad_forward, storage_t, LOAD)
REFLECTION_PAD_FORWARD(reflection_pad_forward_from_float, float, READ_FLOAT)

// The padded rows (or columns) that read row i of an unpadded side n: i + pad itself, its
// mirror above the top edge (1 ≤ i ≤ pad) and below the bottom one (n−1−pad ≤ i ≤ n−2).
inline int reflection_sources(const int i, const int n, const int pad, int sources[3]) {
    int count = 0;
    sources[count++] = i + pad;
    if (i >= 1 && i <= pad) sources[count++] = pad - i;
    if (i <= n - 2 && i >= n - 1 - pad) sources[count++] = 2 * (n - 1) - i + pad;
    return count;
}

// gradInput[plane][y][x] = Σ of gradOutput over the padded positions that copied (y, x):
// a gather, so no atomics and every element is written. global = [W, H, planes].
__kernel void reflection_pad_backward(const int height, const int width, const int pad, const int planes,
                                      __global const float* gradOutput, __global float* gradInput) {
    const int x = get_global_id(0), y = get_global_id(1), plane = get_global_id(2);
    if (x >= width || y >= height || plane >= planes) return;
    const int outHeight = height + 2 * pad, outWidth = width + 2 * pad;
    int rows[3], cols[3];
    const int rowCount = reflection_sources(y, height, pad, rows);
    const int colCount = reflection_sources(x, width, pad, cols);
    const long base = (long)plane * outHeight;
    float sum = 0.0f;
    for (int r = 0; r < rowCount; ++r)
        for (int q = 0; q < colCount; ++q) sum += gradOutput[(base + rows[r]) * outWidth + cols[q]];
    gradInput[((long)plane * height + y) * width + x] = sum;
}

// Nearest ×2 (F.interpolate(scale_factor=2, mode='nearest')): out[2H × 2W][y][x] = in[y/2][x/2].
// global = [2W, 2H, planes].
__kernel void upsample_nearest2x_forward(const int height, const int width, const int planes,
                                         __global const storage_t* input, __global storage_t* output) {
    const int x = get_global_id(0), y = get_global_id(1), plane = get_global_id(2);
    if (x >= 2 * width || y >= 2 * height || plane >= planes) return;
    STORE(LOAD(input, ((long)plane * height + y / 2) * width + x / 2), output,
          ((long)plane * 2 * height + y) * 2 * width + x);
}

// gradInput[y][x] = Σ of gradOutput's 2×2 block (2y.., 2x..). global = [W, H, planes].
__kernel void upsample_nearest2x_backward(const int height, const int width, const int planes,
                                          __global const float* gradOutput, __global float* gradInput) {
    const int x = get_global_id(0), y = get_global_id(1), plane = get_global_id(2);
    if (x >= width || y >= height || plane >= planes) return;
    const long top = ((long)plane * 2 * height + 2 * y) * 2 * width + 2 * x;
    const long bottom = top + 2 * width;
    gradInput[((long)plane * height + y) * width + x] =
        gradOutput[top] + gradOutput[top + 1] + gradOutput[bottom] + gradOutput[bottom + 1];
}

// c = a + b elementwise (the residual add; c may be a or b): stored activations forward,
// float gradients backward.
__kernel void add_stored(const int n, __global const storage_t* a, __global const storage_t* b, __global storage_t* c) {
    const int i = get_global_id(0);
    if (i < n) STORE(LOAD(a, i) + LOAD(b, i), c, i);
}

__kernel void add_float(const int n, __global const float* a, __global const float* b, __global float* c) {
    const int i = get_global_id(0);
    if (i < n) c[i] = a[i] + b[i];
}
