// Element-wise vector operations on float buffers of length n.

// y[i] = a · x[i] + y[i]
__kernel void axpy(const int n, const float a, __global const float* x, __global float* y) {
    const int i = get_global_id(0);
    if (i < n) y[i] += a * x[i];
}

// y[i] = a · x[i]
__kernel void scale_into(const int n, const float a, __global const float* x, __global float* y) {
    const int i = get_global_id(0);
    if (i < n) y[i] = a * x[i];
}
