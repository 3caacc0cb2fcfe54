// Instance normalization with affine γ/β (InstanceNorm2d(affine=True): biased variance), and
// conditional instance normalization's γ/β rows, on N×C×H×W tensors. Built after storage.cl.
//
//   y = γ[a] · (x − μ) / √(σ² + ε) + β[a]   (then ReLU when asked), per plane (n, c),
//   a = affineOffset + n · imageStride + c   (stride 0: every image shares one row; C: a row each)
//
// One work-group of L work-items (a power of two; 1 on CPUs) per plane: global = [L, N·C],
// local = [L, 1], `partial` L floats of local memory. `statistics` holds 4 floats per plane:
// μ and 1/√(σ²+ε) from the forward, Σ dy and Σ dy·x̂ from the backward.

// The sum of `value` over the work-group (every work-item gets it).
inline float group_sum(const float value, __local float* partial) {
    const int lane = get_local_id(0), size = get_local_size(0);
    partial[lane] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int width = size / 2; width > 0; width /= 2) {
        if (lane < width) partial[lane] += partial[lane + width];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const float sum = partial[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return sum;
}

// Forward, overwriting output (which may be the input: apply needs no statistics of x later).
// Two passes over the plane for μ and σ² (not E[x²] − μ², which cancels), a third to write.
__kernel void instance_norm_forward(const int positions, const int channels, const float epsilon, const int relu,
                                    __global const storage_t* input, __global const float* gamma,
                                    const int gammaOffset, __global const float* beta, const int betaOffset,
                                    const int imageStride, __global float* statistics, __global storage_t* output,
                                    __local float* partial) {
    const int lane = get_local_id(0), size = get_local_size(0), plane = get_global_id(1);
    const int n = plane / channels, c = plane % channels;
    const long base = (long)plane * positions;
    float sum = 0.0f;
    for (int p = lane; p < positions; p += size) sum += LOAD(input, base + p);
    const float mean = group_sum(sum, partial) / positions;
    float squares = 0.0f;
    for (int p = lane; p < positions; p += size) {
        const float d = LOAD(input, base + p) - mean;
        squares += d * d;
    }
    const float inverseStd = 1.0f / sqrt(group_sum(squares, partial) / positions + epsilon);
    const int a = n * imageStride + c;
    const float scale = gamma[gammaOffset + a] * inverseStd, shift = beta[betaOffset + a] - mean * scale;
    for (int p = lane; p < positions; p += size) {
        float y = fma(LOAD(input, base + p), scale, shift);
        if (relu) y = fmax(y, 0.0f);
        STORE(y, output, base + p);
    }
    if (lane == 0) {
        statistics[4 * plane] = mean;
        statistics[4 * plane + 1] = inverseStd;
    }
}

// Backward to the input, overwriting gradInput (which may be gradOutput), from the forward's
// input and statistics; a fused ReLU's mask is recomputed from x as the forward computed y.
//   x̂ = (x − μ)/σ;  gradIn = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂))
// Leaves Σ dy and Σ dy·x̂ in statistics for instance_norm_affine_backward.
__kernel void instance_norm_backward(const int positions, const int channels, const int relu,
                                     __global const storage_t* input, __global const float* gamma,
                                     const int gammaOffset, __global const float* beta, const int betaOffset,
                                     const int imageStride, __global float* statistics,
                                     __global const float* gradOutput, __global float* gradInput,
                                     __local float* partial) {
    const int lane = get_local_id(0), size = get_local_size(0), plane = get_global_id(1);
    const int n = plane / channels, c = plane % channels;
    const long base = (long)plane * positions;
    const float mean = statistics[4 * plane], inverseStd = statistics[4 * plane + 1];
    const int a = n * imageStride + c;
    const float g = gamma[gammaOffset + a];
    const float scale = g * inverseStd, shift = beta[betaOffset + a] - mean * scale;
    float sumDy = 0.0f, sumDyXhat = 0.0f;
    for (int p = lane; p < positions; p += size) {
        const float x = LOAD(input, base + p);
        float dy = gradOutput[base + p];
        if (relu && !(fma(x, scale, shift) > 0.0f)) dy = 0.0f;
        sumDy += dy;
        sumDyXhat += dy * (x - mean) * inverseStd;
    }
    sumDy = group_sum(sumDy, partial);
    sumDyXhat = group_sum(sumDyXhat, partial);
    const float meanDy = sumDy / positions, meanDyXhat = sumDyXhat / positions;
    for (int p = lane; p < positions; p += size) {
        const float x = LOAD(input, base + p);
        float dy = gradOutput[base + p];
        if (relu && !(fma(x, scale, shift) > 0.0f)) dy = 0.0f;
        gradInput[base + p] = scale * (dy - meanDy - (x - mean) * inverseStd * meanDyXhat);
    }
    if (lane == 0) {
        statistics[4 * plane + 2] = sumDy;
        statistics[4 * plane + 3] = sumDyXhat;
    }
}

// Backward to γ and β, ADDED (images sharing a row sum into it): gradγ[a] += Σ dy·x̂,
// gradβ[a] += Σ dy. One work-item per channel walks the images, so shared rows need no
// atomics. global = [C].
__kernel void instance_norm_affine_backward(const int images, const int channels,
                                            __global const float* statistics, const int imageStride,
                                            __global float* gradGamma, const int gradGammaOffset,
                                            __global float* gradBeta, const int gradBetaOffset) {
    const int c = get_global_id(0);
    if (c >= channels) return;
    for (int n = 0; n < images; ++n) {
        const int plane = n * channels + c, a = n * imageStride + c;
        gradGamma[gradGammaOffset + a] += statistics[4 * plane + 3];
        gradBeta[gradBetaOffset + a] += statistics[4 * plane + 2];
    }
}

// A weighted mix of rows of a [styles × C] table (conditional instance norm's blended style):
//   row[rowOffset + c] = Σ_s weights[s] · table[tableOffset + s·C + c]. global = [C].
__kernel void blend_rows(const int styles, const int channels, __global const float* table, const int tableOffset,
                         __global const float* weights, __global float* row, const int rowOffset) {
    const int c = get_global_id(0);
    if (c >= channels) return;
    float sum = 0.0f;
    for (int s = 0; s < styles; ++s) sum += weights[s] * table[tableOffset + s * channels + c];
    row[rowOffset + c] = sum;
}
