// Optimizer vector updates. L-BFGS keeps its scalars (ρ, α, β, H_diag) in a device buffer
// `scalars` so that the two-loop recursion runs without host round trips. Its history vectors
// are storage_t (storage.cl) kept as value / scalars[scaleSlot], so that half storage has the
// range it needs; scaleSlot < 0 means a scale of 1.

inline float history_scale(__global const float* scalars, const int scaleSlot) {
    return scaleSlot < 0 ? 1.0f : scalars[scaleSlot];
}

// y += sign · (scalars[plusSlot] − (minusSlot < 0 ? 0 : scalars[minusSlot])) · x, x a history vector.
__kernel void axpy_scalars(const int n, __global const float* scalars, const int plusSlot,
                           const int minusSlot, const float sign, __global const storage_t* x, const int xScaleSlot,
                           __global float* y) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float coefficient = sign * (scalars[plusSlot] - (minusSlot < 0 ? 0.0f : scalars[minusSlot]))
                              * history_scale(scalars, xScaleSlot);
    y[i] += coefficient * LOAD(x, i);
}

// history = multiplier · x / scalars[scaleSlot]
__kernel void store_history(const int n, const float multiplier, __global const float* x,
                            __global const float* scalars, const int scaleSlot, __global storage_t* history) {
    const int i = get_global_id(0);
    if (i >= n) return;
    STORE(multiplier * x[i] / history_scale(scalars, scaleSlot), history, i);
}

// y = scalars[slot] · x   (slot < 0: y = sign · x)
__kernel void scale_scalars(const int n, __global const float* scalars, const int slot, const float sign,
                            __global const float* x, __global float* y) {
    const int i = get_global_id(0);
    if (i >= n) return;
    y[i] = (slot < 0 ? sign : sign * scalars[slot]) * x[i];
}

// c = a − b
__kernel void subtract(const int n, __global const float* a, __global const float* b, __global float* c) {
    const int i = get_global_id(0);
    if (i < n) c[i] = a[i] - b[i];
}

// The step x += t·d.
__kernel void lbfgs_step(const int n, const float t, __global const float* direction, __global float* x) {
    const int i = get_global_id(0);
    if (i < n) x[i] += t * direction[i];
}

// Accepts a curvature pair: ρ = 1/yᵀs, H_diag = yᵀs / yᵀy (read from their slots).
__kernel void lbfgs_accept(__global float* scalars, const int ysSlot, const int yySlot,
                           const int rhoSlot, const int hDiagSlot) {
    if (get_global_id(0) != 0) return;
    const float ys = scalars[ysSlot];
    scalars[rhoSlot] = 1.0f / ys;
    scalars[hDiagSlot] = ys / scalars[yySlot];
}

// Adam (as torch.optim.Adam): m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
// x ← x − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε).
__kernel void adam_step(const int n, const float learningRate, const float beta1, const float beta2,
                        const float epsilon, const float biasCorrection1, const float biasCorrection2,
                        __global const float* gradient, __global float* x, __global float* m, __global float* v) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float g = gradient[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * g;
    const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    x[i] -= (learningRate / biasCorrection1) * mi / (sqrt(vi) / sqrt(biasCorrection2) + epsilon);
}
