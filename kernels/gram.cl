// Gram matrices on CPU devices, where CLBlast's GEMM (with its transposes and padding) takes
// several times longer on these thin shapes. Built after storage.cl.
// F [C × P] row-major (stored precision), G [C × C] float.
//
// Forward, in two steps: gram_partial sums F Fᵀ over one chunk of positions per work-item
// group, into partials [chunks][C][C] (tiles of 4 × 4 with j ≥ i only: G is symmetric);
// gram_finish adds the chunks up, scales, and fills both triangles.
// Backward: dF[c][p] += alpha · Σ_j dG[c][j] F[j][p] (gram_backward), for a symmetric dG.

// global = [⌈C/4⌉ (j tiles), ⌈C/4⌉ (i tiles), chunks]; chunk q covers [q·chunk, min(P, (q+1)·chunk)).
__kernel void gram_partial(const int channels, const int positions, const int chunk,
                           __global const storage_t* restrict features, __global float* restrict partials) {
    const int tj = get_global_id(0), ti = get_global_id(1), q = get_global_id(2);
    if (tj < ti || 4 * ti >= channels || 4 * tj >= channels) return;
    const int begin = q * chunk, end = min(positions, begin + chunk);
    int rowsI[4], rowsJ[4];
    for (int r = 0; r < 4; ++r) {
        rowsI[r] = min(4 * ti + r, channels - 1);  // past the last channel: repeats it, never stored
        rowsJ[r] = min(4 * tj + r, channels - 1);
    }
    float16 acc[4][4];
    #pragma unroll
    for (int r = 0; r < 4; ++r)
        #pragma unroll
        for (int s = 0; s < 4; ++s) acc[r][s] = (float16)(0.0f);
    int p = begin;
    for (; p + 16 <= end; p += 16) {
        float16 a[4], b[4];
        #pragma unroll
        for (int r = 0; r < 4; ++r) {
            a[r] = LOAD16(features, (long)rowsI[r] * positions + p);
            b[r] = LOAD16(features, (long)rowsJ[r] * positions + p);
        }
        #pragma unroll
        for (int r = 0; r < 4; ++r)
            #pragma unroll
            for (int s = 0; s < 4; ++s) acc[r][s] = fma(a[r], b[s], acc[r][s]);
    }
    float sums[4][4];
    for (int r = 0; r < 4; ++r)
        for (int s = 0; s < 4; ++s) {
            const float16 v = acc[r][s];
            const float8 h8 = v.lo + v.hi;
            const float4 h4 = h8.lo + h8.hi;
            const float2 h2 = h4.lo + h4.hi;
            sums[r][s] = h2.x + h2.y;
        }
    for (; p < end; ++p)  // the chunk's last positions, fewer than 16
        for (int r = 0; r < 4; ++r)
            for (int s = 0; s < 4; ++s)
                sums[r][s] += LOAD(features, (long)rowsI[r] * positions + p) * LOAD(features, (long)rowsJ[s] * positions + p);
    __global float* out = partials + (long)q * channels * channels;
    for (int r = 0; r < 4 && 4 * ti + r < channels; ++r)
        for (int s = 0; s < 4 && 4 * tj + s < channels; ++s) out[(4 * ti + r) * channels + 4 * tj + s] = sums[r][s];
}

// gram[i][j] = alpha · Σ_q partials[q][i][j] (read from the computed triangle), added to
// gram's value when `accumulate`. global = [C, C].
__kernel void gram_finish(const int channels, const int chunks, const float alpha, const int accumulate,
                          __global const float* partials, __global float* gram) {
    const int j = get_global_id(0), i = get_global_id(1);
    if (i >= channels || j >= channels) return;
    const int index = (i / 4 <= j / 4) ? i * channels + j : j * channels + i;
    float sum = 0.0f;
    for (int q = 0; q < chunks; ++q) sum += partials[(long)q * channels * channels + index];
    gram[i * channels + j] = alpha * sum + (accumulate ? gram[i * channels + j] : 0.0f);
}

// gradFeatures[c][p] += alpha · Σ_j gradGram[c][j] · F[j][p], for a symmetric gradGram: a
// work-item takes GRAM_MR channels × 16 positions, reading gradGram[j][c…c+MR) (= column j,
// contiguous) per j; channel blocks vary fastest so neighbours share F's columns in the cache.
// global = [⌈C/MR⌉, ⌈P/16⌉].
#ifndef GRAM_MR
#define GRAM_MR 16
#endif
__kernel void gram_backward(const int channels, const int positions, const float alpha,
                            __global const float* restrict gradGram, __global const storage_t* restrict features,
                            __global float* restrict gradFeatures) {
    const int c0 = get_global_id(0) * GRAM_MR, p0 = get_global_id(1) * 16;
    const bool full = p0 + 16 <= positions;
    const int lastRow = channels - 1 - c0;  // rows past it read a valid, unused entry
    float16 acc[GRAM_MR];
    #pragma unroll
    for (int r = 0; r < GRAM_MR; ++r) acc[r] = (float16)(0.0f);
    for (int j = 0; j < channels; ++j) {
        float16 f;
        if (full) {
            f = LOAD16(features, (long)j * positions + p0);
        } else {
            float lanes[16];
            for (int l = 0; l < 16; ++l) lanes[l] = p0 + l < positions ? LOAD(features, (long)j * positions + p0 + l) : 0.0f;
            f = vload16(0, lanes);
        }
        const __global float* g = gradGram + j * channels + c0;
        #pragma unroll
        for (int r = 0; r < GRAM_MR; ++r) acc[r] = fma((float16)(g[min(r, lastRow)]), f, acc[r]);
    }
    for (int r = 0; r < GRAM_MR && c0 + r < channels; ++r) {
        __global float* out = gradFeatures + (long)(c0 + r) * positions + p0;
        if (full) {
            vstore16(vload16(0, out) + alpha * acc[r], 0, out);
        } else {
            float lanes[16];
            vstore16(acc[r], 0, lanes);
            for (int l = 0; l < 16 && p0 + l < positions; ++l) out[l] += alpha * lanes[l];
        }
    }
}
