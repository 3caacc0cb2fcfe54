// Loss terms of the spec (shared/spec/losses.md) with their gradients. Each kernel adds its
// gradient where the backward pass expects it and leaves Σ(difference²) as partial sums
// (see reduce.cl); the host multiplies the finished sum by the term's weight / count.

// Built after storage.cl and reduce.cl (KernelSources.programSource), whose store_group_sum
// it uses. Features are storage_t; targets and gradients float.

// Content: L = w · mean((F − P)²) over n = C·H·W.  grad F += gradScale · (F − P), gradScale = 2w/n.
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void content_loss(const int n, __global const storage_t* features, __global const float* target,
                  const float gradScale, __global float* gradient, __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    float sum = 0.0f;
#ifdef REDUCE_CHUNKED
    float16 vector = (float16)(0.0f);
    REDUCE_VECTORS(i, n) {
        const float16 d = LOAD16(features, i) - vload16(0, target + i);
        vstore16(vload16(0, gradient + i) + gradScale * d, 0, gradient + i);
        vector = fma(d, d, vector);
    }
    sum = horizontal_sum(vector);
#endif
    REDUCE_FOR(i, n, REDUCE_FIRST_AFTER_VECTORS(n)) {
        const float d = LOAD(features, i) - target[i];
        gradient[i] += gradScale * d;
        sum += d * d;
    }
    store_group_sum(sum, scratch, partials, slot);
}

// Style, on the Gram matrix: L = w · mean((G − A)²) over n = C².  dL/dG = gradScale · (G − A),
// gradScale = 2w/n, written to gradGram (the Gram backward then maps it to the features).
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void style_gram_loss(const int n, __global const float* gram, __global const float* target,
                     const float gradScale, __global float* gradGram, __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    float sum = 0.0f;
#ifdef REDUCE_CHUNKED
    float16 vector = (float16)(0.0f);
    REDUCE_VECTORS(i, n) {
        const float16 d = vload16(0, gram + i) - vload16(0, target + i);
        vstore16(gradScale * d, 0, gradGram + i);
        vector = fma(d, d, vector);
    }
    sum = horizontal_sum(vector);
#endif
    REDUCE_FOR(i, n, REDUCE_FIRST_AFTER_VECTORS(n)) {
        const float d = gram[i] - target[i];
        gradGram[i] = gradScale * d;
        sum += d * d;
    }
    store_group_sum(sum, scratch, partials, slot);
}

// Total variation of a C×H×W image: L = w · ½ · (Σ (x[i][j+1] − x[i][j])² + Σ (x[i+1][j] − x[i][j])²).
// Each element gathers its own gradient w·(4-neighbour differences), so no atomics are needed;
// the partial sums count the right and lower pair of each element once.
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void total_variation(const int channels, const int height, const int width, const float weight,
                     __global const float* image, __global float* gradient,
                     __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    const int n = channels * height * width;
    float sum = 0.0f;
    REDUCE_FOR(i, n, REDUCE_FIRST(n)) {  // element by element, CPUs too
        const int x = i % width, y = (i / width) % height;
        const float v = image[i];
        float g = 0.0f;
        if (x > 0) g += v - image[i - 1];
        if (x + 1 < width) { const float d = image[i + 1] - v; g -= d; sum += d * d; }
        if (y > 0) g += v - image[i - width];
        if (y + 1 < height) { const float d = image[i + width] - v; g -= d; sum += d * d; }
        gradient[i] += weight * g;
    }
    store_group_sum(sum, scratch, partials, slot);
}
