// Bias and ReLU. Activations are K×P (P = H·W positions), row-major.

// Forward, fused with the convolution's bias: y[k][p] = max(x[k][p] + bias[k], 0), in place.
__kernel void bias_relu_forward(const int channels, const int positions,
                                __global const float* bias, __global float* values) {
    const int p = get_global_id(0), k = get_global_id(1);
    if (p >= positions || k >= channels) return;
    const int i = k * positions + p;
    values[i] = fmax(values[i] + bias[k], 0.0f);
}

// The bias alone, for a convolution whose pre-activation output a loss reads.
__kernel void bias_forward(const int channels, const int positions,
                           __global const float* bias, __global float* values) {
    const int p = get_global_id(0), k = get_global_id(1);
    if (p >= positions || k >= channels) return;
    values[k * positions + p] += bias[k];
}

// ReLU forward out of place: y = max(x, 0).
__kernel void relu_forward(const int n, __global const float* x, __global float* y) {
    const int i = get_global_id(0);
    if (i < n) y[i] = fmax(x[i], 0.0f);
}

// Backward, in place: dx = dy · [y > 0], reading the forward output y.
__kernel void relu_backward(const int n, __global const float* y, __global float* gradient) {
    const int i = get_global_id(0);
    if (i < n && !(y[i] > 0.0f)) gradient[i] = 0.0f;
}
