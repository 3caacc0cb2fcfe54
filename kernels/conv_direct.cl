// 3×3 convolution (stride 1, padding 1) computed directly, for CPU devices: no im2col
// matrix, no transforms, ~200 GFLOP/s on 2 AVX-512 cores under PoCL (CLBlast's GEMM on
// im2col: ~100). Built after storage.cl.
//
//   out[k][y][x] = Σ_c Σ_ky Σ_kx w[k][c][ky][kx] · in[c][y+ky−1][x+kx−1]   (+ bias[k], ReLU)
//
// Weights come packed in panels of DIRECT_MR output channels: P[k/MR][c][ky·3+kx][k%MR]
// (`pack_direct`, which stores them in the storage precision; FP16 runs convert a layer's
// panels to float before its call, since half loads in this loop cost PoCL 4×), so each step
// reads MR consecutive floats. A work-item computes MR output
// channels × 16 consecutive x of one row y in registers: per (c, ky) it loads the row's 16
// values and its two neighbours, makes the three shifted vectors, and does 3·MR vector FMAs.
// global = [⌈K/MR⌉, ⌈W/16⌉, H], local = [1, 1, 1]: panels vary fastest, so consecutive
// work-groups read the same input rows from the cache (3–5 % faster than the other order,
// most where a layer's input outgrows the last-level cache).
//
// The backward to the input is the same convolution with the transposed, flipped filter
// W'[c][k][ky][kx] = W[k][c][2−ky][2−kx] (`pack_direct` with flip).
#ifndef DIRECT_MR
#define DIRECT_MR 12
#endif


#define CONV_DIRECT(NAME, INPUT_T, READ, READ16, OUTPUT_T, WRITE, WRITE16)                                \
__kernel void NAME(const int channels, const int height, const int width, const int outChannels,         \
                   __global const INPUT_T* restrict input, __global const float* restrict panels,        \
                   const int useBias, __global const float* restrict bias, const int relu,               \
                   __global OUTPUT_T* restrict output) {                                                 \
    const int panel = get_global_id(0), x0 = get_global_id(1) * 16, y = get_global_id(2);                \
    float16 acc[DIRECT_MR];                                                                              \
    _Pragma("unroll") for (int i = 0; i < DIRECT_MR; ++i) acc[i] = (float16)(0.0f);                      \
    const bool full = x0 + 16 <= width;                                                                  \
    const long limit = (long)channels * height * width;                                                  \
    const int16 lanes = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);                   \
    const __global float* w = panels + (long)panel * channels * 9 * DIRECT_MR;                          \
    for (int c = 0; c < channels; ++c) {                                                                 \
        _Pragma("unroll") for (int ky = 0; ky < 3; ++ky) {                                               \
            const int sy = y + ky - 1;                                                                   \
            if (sy < 0 || sy >= height) continue;                                                        \
            const long row = ((long)c * height + sy) * width;                                            \
            float16 mid;                                                                                 \
            if (full) {                                                                                  \
                mid = READ16(input, row + x0);                                                           \
            } else if (row + x0 + 16 <= limit) {                                                         \
                /* past the row's end: the next row's values (or padding), masked to 0 */               \
                mid = select((float16)(0.0f), READ16(input, row + x0), lanes < (int16)(width - x0));     \
            } else {                                                                                     \
                float lanes[16];                                                                         \
                for (int j = 0; j < 16; ++j) lanes[j] = x0 + j < width ? READ(input, row + x0 + j) : 0.0f; \
                mid = vload16(0, lanes);                                                                 \
            }                                                                                            \
            const float haloL = x0 > 0 ? READ(input, row + x0 - 1) : 0.0f;                               \
            const float haloR = x0 + 16 < width ? READ(input, row + x0 + 16) : 0.0f;                     \
            const float16 left = shuffle2(mid, (float16)(haloL),                                         \
                                          (uint16)(16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)); \
            const float16 right = shuffle2(mid, (float16)(haloR),                                        \
                                           (uint16)(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)); \
            const __global float* wk = w + (c * 9 + ky * 3) * DIRECT_MR;                                 \
            _Pragma("unroll") for (int i = 0; i < DIRECT_MR; ++i) {                                      \
                acc[i] = fma((float16)(wk[i]), left, acc[i]);                                            \
                acc[i] = fma((float16)(wk[DIRECT_MR + i]), mid, acc[i]);                                 \
                acc[i] = fma((float16)(wk[2 * DIRECT_MR + i]), right, acc[i]);                           \
            }                                                                                            \
        }                                                                                                \
    }                                                                                                    \
    for (int i = 0; i < DIRECT_MR; ++i) {                                                                \
        const int k = panel * DIRECT_MR + i;                                                             \
        if (k >= outChannels) break;                                                                     \
        float16 value = acc[i] + (float16)(useBias ? bias[k] : 0.0f);                                    \
        if (relu) value = fmax(value, (float16)(0.0f));                                                  \
        const long out = ((long)k * height + y) * width + x0;                                            \
        if (full) {                                                                                      \
            WRITE16(value, output, out);                                                                 \
        } else {                                                                                         \
            float lanes[16];                                                                             \
            vstore16(value, 0, lanes);                                                                   \
            for (int j = 0; j < 16 && x0 + j < width; ++j) WRITE(lanes[j], output, out + j);             \
        }                                                                                                \
    }                                                                                                    \
}
// Float gradients (backward) and FP32 activations; stored activations; the float image into
// stored activations (conv1_1 of an FP16 run).
CONV_DIRECT(conv_direct, float, READ_FLOAT, READ_FLOAT16, float, WRITE_FLOAT, WRITE_FLOAT16)
CONV_DIRECT(conv_direct_stored, storage_t, LOAD, LOAD16, storage_t, STORE, STORE16)
CONV_DIRECT(conv_direct_to_stored, float, READ_FLOAT, READ_FLOAT16, storage_t, STORE, STORE16)

// Panels from stored weights W [K][C][3][3]: the layer's filter, or with `flip` the filter of
// the backward-to-input convolution (C outputs, K inputs). Rows past the last panel's
// channels are left as they are: their results are never stored.
__kernel void pack_direct(const int outChannels, const int inChannels, const int flip,
                          __global const storage_t* weights, __global storage_t* panels) {
    const int tap = get_global_id(0), c = get_global_id(1), k = get_global_id(2);
    if (tap >= 9 || c >= inChannels || k >= outChannels) return;
    const float value = LOAD(weights, (k * inChannels + c) * 9 + tap);
    // Forward: output channel k, input channel c. Flipped: output c, input k, tap mirrored.
    const int row = flip ? c : k, col = flip ? k : c, cols = flip ? outChannels : inChannels;
    const int t = flip ? 8 - tap : tap;
    STORE(value, panels, (((long)(row / DIRECT_MR) * cols + col) * 9 + t) * DIRECT_MR + row % DIRECT_MR);
}
