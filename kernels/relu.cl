// Bias and ReLU. Activations are K×P (P = H·W positions), row-major, stored as storage_t
// (storage.cl); gradients are float.

// A convolution's bias, and ReLU when asked, in place on rows × cols of a float matrix at
// `offset` with leading dimension ld (one GEMM product; the packed GEMM fuses this instead).
__kernel void bias_relu_region(const int rows, const int cols, const int offset, const int ld, const int relu,
                               __global const float* bias, __global float* values) {
    const int col = get_global_id(0), row = get_global_id(1);
    if (col >= cols || row >= rows) return;
    const int i = offset + row * ld + col;
    const float value = values[i] + bias[row];
    values[i] = relu ? fmax(value, 0.0f) : value;
}

// Half storage: a float GEMM band (K × bandPositions, columns [offset, offset + bandPositions)
// of the layer) plus bias, optionally through ReLU, stored into the activation.
__kernel void bias_activation_store(const int channels, const int positions, const int offset,
                                    const int bandPositions, const int relu, __global const float* bias,
                                    __global const float* band, __global storage_t* output) {
    const int p = get_global_id(0), k = get_global_id(1);
    if (p >= bandPositions || k >= channels) return;
    float value = band[k * bandPositions + p] + bias[k];
    if (relu) value = fmax(value, 0.0f);
    STORE(value, output, k * positions + offset + p);
}

// ReLU forward out of place: y = max(x, 0).
__kernel void relu_forward(const int n, __global const storage_t* x, __global storage_t* y) {
    const int i = get_global_id(0);
    if (i < n) STORE(fmax(LOAD(x, i), 0.0f), y, i);
}

// Backward, in place: dx = dy · [y > 0], reading the forward output y.
__kernel void relu_backward(const int n, __global const storage_t* y, __global float* gradient) {
    const int i = get_global_id(0);
    if (i < n && !(LOAD(y, i) > 0.0f)) gradient[i] = 0.0f;
}
