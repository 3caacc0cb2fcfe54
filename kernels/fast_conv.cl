// k×k convolution with stride s and no padding, over an input already padded
// (resample.cl's reflection_pad_forward), on N images at once. Built after storage.cl.
//
//   out[n][o][y][x] = bias[o] + Σ_c Σ_ky Σ_kx w[o][c][ky][kx] · in[n][c][y·s+ky][x·s+kx]
//   in [N][C][Hin][Win], out [N][K][Ho][Wo], Ho = (Hin − k)/s + 1, Wo = (Win − k)/s + 1
//
// Weights are float in PyTorch's layout [K][C][k][k] and bias [K], each at an offset into a
// (possibly flat) parameter buffer. Activations are storage_t; gradients float.
//
// Tunables (-D, for a tuner to search): FAST_CONV_KB channels and FAST_CONV_PB consecutive
// pixels (4, 8 or 16: one float vector) of one row per work-item, kept in registers, so that
// each input vector loaded feeds KB FMAs and each weight PB lanes. On CPUs work-groups are
// one work-item, so the vectors are these explicit ones rather than PoCL's across items.
#ifndef FAST_CONV_KB
#define FAST_CONV_KB 8
#endif
#ifndef FAST_CONV_PB
#define FAST_CONV_PB 8
#endif

#define FC_CAT_(a, b) a##b
#define FC_CAT(a, b) FC_CAT_(a, b)
#define FC_VEC FC_CAT(float, FAST_CONV_PB)
#define FC_LOAD_FLOAT(pointer, index) FC_CAT(vload, FAST_CONV_PB)(0, (pointer) + (index))
#define FC_STORE_FLOAT(value, pointer, index) FC_CAT(vstore, FAST_CONV_PB)((value), 0, (pointer) + (index))
#ifdef STORAGE_HALF
#define FC_LOAD_STORED(pointer, index) FC_CAT(vload_half, FAST_CONV_PB)(0, (pointer) + (index))
#define FC_STORE_STORED(value, pointer, index) FC_CAT(vstore_half, FAST_CONV_PB)((value), 0, (pointer) + (index))
#else
#define FC_LOAD_STORED FC_LOAD_FLOAT
#define FC_STORE_STORED FC_STORE_FLOAT
#endif
// Stride 2 reads 2·PB values and keeps the even ones (a fixed swizzle, which compiles to
// shuffles where a general shuffle2 mask may not).
#ifdef STORAGE_HALF
#define FC_HALF_LOAD(n, pointer, index) vload_half##n(0, (pointer) + (index))
#else
#define FC_HALF_LOAD(n, pointer, index) vload##n(0, (pointer) + (index))
#endif
#if FAST_CONV_PB == 4
#define FC_LOAD_EVEN_FLOAT(pointer, index) vload8(0, (pointer) + (index)).even
#define FC_LOAD_EVEN_STORED(pointer, index) FC_HALF_LOAD(8, pointer, index).even
#elif FAST_CONV_PB == 8
#define FC_LOAD_EVEN_FLOAT(pointer, index) vload16(0, (pointer) + (index)).even
#define FC_LOAD_EVEN_STORED(pointer, index) FC_HALF_LOAD(16, pointer, index).even
#elif FAST_CONV_PB == 16
#define FC_LOAD_EVEN_FLOAT(pointer, index) \
    (float16)(vload16(0, (pointer) + (index)).even, vload16(0, (pointer) + (index) + 16).even)
#define FC_LOAD_EVEN_STORED(pointer, index) \
    (float16)(FC_HALF_LOAD(16, pointer, index).even, FC_HALF_LOAD(16, pointer, (index) + 16).even)
#else
#error "FAST_CONV_PB is 4, 8 or 16"
#endif

#ifdef FAST_CONV_PIXELS_FIRST
#define FC_GROUP_AXIS 1
#else
#define FC_GROUP_AXIS 0
#endif

// FAST_CONV_K and FAST_CONV_STRIDE, when given, fix the kernel size and stride at build time
// (one program per layer kind) so that the tap loops unroll; the arguments are then ignored.
#ifdef FAST_CONV_K
#define FC_K FAST_CONV_K
#else
#define FC_K ksize
#endif
#ifdef FAST_CONV_STRIDE
#define FC_S FAST_CONV_STRIDE
#else
#define FC_S stride
#endif

// Forward, overwriting output. A work-item computes `groupsPerItem` groups of KB channels
// in turn (their input rows stay in L1; fewer, longer work-groups for PoCL to schedule) ×
// PB pixels of one row. global = [⌈K/(KB·groupsPerItem)⌉, ⌈Wo/PB⌉, N·Ho]: channel groups vary
// fastest, so consecutive work-groups read the same input rows while they are in the cache;
// with FAST_CONV_PIXELS_FIRST, [⌈Wo/PB⌉, ⌈K/(KB·groupsPerItem)⌉, N·Ho]: a group's weights stay
// in the cache along the row instead. At stride 1 or 2 a block loads vectors wherever the
// reads stay inside its image, a partial last block too (its extra lanes are dropped); the
// image's last rows there and other strides gather lane by lane.
#define FAST_CONV_FORWARD(NAME, INPUT_T, READ, READV, READV2, OUTPUT_T, WRITE, WRITEV)                  \
__kernel void NAME(const int channels, const int inHeight, const int inWidth, const int outChannels,     \
                   const int ksize, const int stride, const int outHeight, const int outWidth,           \
                   const int groupsPerItem,                                                              \
                   __global const INPUT_T* restrict input, __global const float* restrict weights,       \
                   const int weightOffset, const int useBias, __global const float* restrict bias,       \
                   const int biasOffset, __global OUTPUT_T* restrict output) {                           \
    const int firstGroup = get_global_id(FC_GROUP_AXIS) * groupsPerItem;                                 \
    const int x0 = get_global_id(1 - FC_GROUP_AXIS) * FAST_CONV_PB;                                      \
    const int n = get_global_id(2) / outHeight, y = get_global_id(2) % outHeight;                        \
    if (x0 >= outWidth) return;                                                                          \
    /* A block loads vectors where its reads stay inside the image (lanes past the row's end  \
       read the next row's values and are dropped); elsewhere it gathers lane by lane. */     \
    const int vectorStride = FC_S == 1 || FC_S == 2;                                                     \
    const long imageEnd = ((long)n + 1) * channels * inHeight * inWidth;                                 \
    const int rowReach = (FAST_CONV_PB - 1) * FC_S + FC_K + (FC_S - 1);                                 \
    const int full = x0 + FAST_CONV_PB <= outWidth;                                                      \
    const int taps = FC_K * FC_K;                                                                        \
    const __global float* w = weights + weightOffset;                                                    \
    for (int group = 0; group < groupsPerItem; ++group) {                                                \
        const int o0 = (firstGroup + group) * FAST_CONV_KB;                                              \
        if (o0 >= outChannels) break;                                                                    \
        FC_VEC acc[FAST_CONV_KB];                                                                        \
        _Pragma("unroll") for (int i = 0; i < FAST_CONV_KB; ++i) acc[i] = (FC_VEC)(0.0f);                \
        long filter[FAST_CONV_KB];                                                                       \
        _Pragma("unroll") for (int i = 0; i < FAST_CONV_KB; ++i)                                         \
            filter[i] = (long)min(o0 + i, outChannels - 1) * channels * taps;                            \
        for (int c = 0; c < channels; ++c) {                                                             \
            const long plane = ((long)n * channels + c) * inHeight;                                      \
            for (int ky = 0; ky < FC_K; ++ky) {                                                          \
                const long row = (plane + y * FC_S + ky) * inWidth + (long)x0 * FC_S;                    \
                const int tapRow = c * taps + ky * FC_K;                                                 \
                const int vectorized = vectorStride && row + rowReach <= imageEnd;                       \
                for (int kx = 0; kx < FC_K; ++kx) {                                                      \
                    FC_VEC v;                                                                            \
                    if (vectorized && FC_S == 1) {                                                       \
                        v = READV(input, row + kx);                                                      \
                    } else if (vectorized) {                                                             \
                        v = READV2(input, row + kx);                                                     \
                    } else {                                                                             \
                        float lanes[FAST_CONV_PB];                                                       \
                        /* columns past the row's end read its last output's column; dropped */         \
                        for (int p = 0; p < FAST_CONV_PB; ++p)                                           \
                            lanes[p] = READ(input, row - (long)x0 * FC_S                                 \
                                                       + (long)min(x0 + p, outWidth - 1) * FC_S + kx);  \
                        v = FC_LOAD_FLOAT(lanes, 0);                                                     \
                    }                                                                                    \
                    _Pragma("unroll") for (int i = 0; i < FAST_CONV_KB; ++i)                             \
                        acc[i] = fma((FC_VEC)(w[filter[i] + tapRow + kx]), v, acc[i]);                   \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
        _Pragma("unroll") for (int i = 0; i < FAST_CONV_KB; ++i) {                                       \
            const int o = o0 + i;                                                                        \
            if (o >= outChannels) break;                                                                 \
            const FC_VEC value = acc[i] + (useBias ? bias[biasOffset + o] : 0.0f);                       \
            const long out = (((long)n * outChannels + o) * outHeight + y) * outWidth + x0;              \
            if (full) {                                                                                  \
                WRITEV(value, output, out);                                                              \
            } else {                                                                                     \
                float lanes[FAST_CONV_PB];                                                               \
                FC_STORE_FLOAT(value, lanes, 0);                                                         \
                for (int p = 0; x0 + p < outWidth; ++p) WRITE(lanes[p], output, out + p);                \
            }                                                                                            \
        }                                                                                                \
    }                                                                                                    \
}

FAST_CONV_FORWARD(fast_conv_forward, storage_t, LOAD, FC_LOAD_STORED, FC_LOAD_EVEN_STORED, storage_t, STORE, FC_STORE_STORED)
FAST_CONV_FORWARD(fast_conv_forward_to_float, storage_t, LOAD, FC_LOAD_STORED, FC_LOAD_EVEN_STORED, float, WRITE_FLOAT, FC_STORE_FLOAT)
FAST_CONV_FORWARD(fast_conv_forward_from_float, float, READ_FLOAT, FC_LOAD_FLOAT, FC_LOAD_EVEN_FLOAT, storage_t, STORE, FC_STORE_STORED)
FAST_CONV_FORWARD(fast_conv_forward_float, float, READ_FLOAT, FC_LOAD_FLOAT, FC_LOAD_EVEN_FLOAT, float, WRITE_FLOAT, FC_STORE_FLOAT)

// The backward to the weights' own blocking: FAST_CONV_BACKWARD_CB channels by runs of 8 pixels
// (one float8 each).
#ifndef FAST_CONV_BACKWARD_CB
#define FAST_CONV_BACKWARD_CB 4
#endif

inline float fc_sum8(const float8 v) {
    const float4 h = v.lo + v.hi;
    return (h.x + h.y) + (h.z + h.w);
}

// Backward to the (padded) input as a forward convolution (the forward kernel's speed,
// whatever the stride):
//   gradIn[n][c][iy][ix] = Σ_o Σ_ky Σ_kx W'[c][o][ky][kx] · D[n][o][iy+ky][ix+kx]
// with the flipped, transposed filter W'[c][o][ky][kx] = W[o][c][k−1−ky][k−1−kx] and D the
// output gradient dilated by the stride and zero-padded by k−1:
//   D[n][o][k−1+s·y][k−1+s·x] = gradOut[n][o][y][x], 0 elsewhere, D N×K×(Hin+k−1)×(Win+k−1).
// Input positions no output reads (stride leftovers) get 0 from the zeros.

// D from gradOut, OVERWRITING every value of D: a work-item per row of D (zeros, then the
// row's gradients). global = [Hin+k−1, N·K].
__kernel void fast_conv_dilate(const int outHeight, const int outWidth, const int ksize, const int stride,
                               const int dilatedHeight, const int dilatedWidth,
                               __global const float* restrict gradOutput, __global float* restrict dilated) {
    const int dy = get_global_id(0), plane = get_global_id(1);
    if (dy >= dilatedHeight) return;
    __global float* row = dilated + ((long)plane * dilatedHeight + dy) * dilatedWidth;
    for (int dx = 0; dx < dilatedWidth; ++dx) row[dx] = 0.0f;
    const int sy = dy - (FC_K - 1);
    if (sy < 0 || sy % FC_S != 0 || sy / FC_S >= outHeight) return;
    const __global float* source = gradOutput + ((long)plane * outHeight + sy / FC_S) * outWidth;
    for (int x = 0; x < outWidth; ++x) row[FC_K - 1 + x * FC_S] = source[x];
}

// W' from W (at weightOffset), OVERWRITING flipped[flippedOffset ..< + K·C·k·k]: a work-item
// per (c, o) filter. global = [C, K].
__kernel void fast_conv_flip_weights(const int channels, const int outChannels, const int ksize,
                                     __global const float* restrict weights, const int weightOffset,
                                     __global float* restrict flipped, const int flippedOffset) {
    const int c = get_global_id(0), o = get_global_id(1);
    const int taps = FC_K * FC_K;
    if (c >= channels || o >= outChannels) return;
    const __global float* source = weights + weightOffset + ((long)o * channels + c) * taps;
    __global float* target = flipped + flippedOffset + ((long)c * outChannels + o) * taps;
    for (int tap = 0; tap < taps; ++tap) target[taps - 1 - tap] = source[tap];
}

// Backward to the weights, ADDED into gradWeights (so images and batches accumulate):
//   gradW[o][c][ky][kx] += Σ_n Σ_y Σ_x gradOut[n][o][y][x] · in[n][c][y·s+ky][x·s+kx]
// A work-item computes CB output channels × 3 consecutive kx of one (c, ky), so that each
// gradient vector loaded feeds 3 FMAs and each input vector CB; runs of 8 output pixels load
// vectors (stride 1 or 2), the row's rest goes lane by lane. global = [k·⌈k/3⌉, C, ⌈K/CB⌉].
__kernel void fast_conv_backward_weights(const int images, const int channels, const int inHeight,
                                         const int inWidth, const int outChannels, const int ksize,
                                         const int stride, const int outHeight, const int outWidth,
                                         __global const storage_t* restrict input,
                                         __global const float* restrict gradOutput,
                                         __global float* restrict gradWeights, const int weightOffset) {
    const int kxBlocks = (FC_K + 2) / 3;
    const int ky = get_global_id(0) / kxBlocks, kx0 = get_global_id(0) % kxBlocks * 3;
    const int c = get_global_id(1), o0 = get_global_id(2) * FAST_CONV_BACKWARD_CB;
    if (ky >= FC_K || c >= channels || o0 >= outChannels) return;
    const long outPositions = (long)outHeight * outWidth;
    int kxs[3];
    _Pragma("unroll") for (int j = 0; j < 3; ++j) kxs[j] = min(kx0 + j, FC_K - 1);
    float8 acc[FAST_CONV_BACKWARD_CB][3];
    _Pragma("unroll") for (int i = 0; i < FAST_CONV_BACKWARD_CB; ++i)
        _Pragma("unroll") for (int j = 0; j < 3; ++j) acc[i][j] = (float8)(0.0f);
    // The last x where a run of 8 starts whose reads stay inside the input row.
    const int vectorEnd = FC_S <= 2 ? outWidth - 8 - (FC_S == 2 ? 1 : 0) : -1;
    long planes[FAST_CONV_BACKWARD_CB];
    for (int n = 0; n < images; ++n) {
        _Pragma("unroll") for (int i = 0; i < FAST_CONV_BACKWARD_CB; ++i)
            planes[i] = ((long)n * outChannels + min(o0 + i, outChannels - 1)) * outPositions;
        const long inPlane = ((long)n * channels + c) * inHeight;
        for (int y = 0; y < outHeight; ++y) {
            const long inRow = (inPlane + y * FC_S + ky) * inWidth;
            const long outRow = (long)y * outWidth;
            int x = 0;
            for (; x <= vectorEnd; x += 8) {
                float8 v[3];
                _Pragma("unroll") for (int j = 0; j < 3; ++j)
                    v[j] = FC_S == 1 ? FC_HALF_LOAD(8, input, inRow + x + kxs[j])
                                     : FC_HALF_LOAD(16, input, inRow + 2 * x + kxs[j]).even;
                _Pragma("unroll") for (int i = 0; i < FAST_CONV_BACKWARD_CB; ++i) {
                    const float8 g = vload8(0, gradOutput + planes[i] + outRow + x);
                    _Pragma("unroll") for (int j = 0; j < 3; ++j) acc[i][j] = fma(g, v[j], acc[i][j]);
                }
            }
            for (; x < outWidth; ++x) {
                float v[3];
                _Pragma("unroll") for (int j = 0; j < 3; ++j) v[j] = LOAD(input, inRow + (long)x * FC_S + kxs[j]);
                _Pragma("unroll") for (int i = 0; i < FAST_CONV_BACKWARD_CB; ++i) {
                    const float g = gradOutput[planes[i] + outRow + x];
                    _Pragma("unroll") for (int j = 0; j < 3; ++j) acc[i][j].s0 = fma(g, v[j], acc[i][j].s0);
                }
            }
        }
    }
    _Pragma("unroll") for (int i = 0; i < FAST_CONV_BACKWARD_CB; ++i) {
        const int o = o0 + i;
        if (o >= outChannels) break;
        _Pragma("unroll") for (int j = 0; j < 3; ++j) {
            if (kx0 + j >= FC_K) break;
            gradWeights[weightOffset + (((long)o * channels + c) * FC_K + ky) * FC_K + kx0 + j] += fc_sum8(acc[i][j]);
        }
    }
}

// Backward to the bias, ADDED: gradBias[o] += Σ_n Σ_y Σ_x gradOut[n][o][y][x]. global = [K].
__kernel void fast_conv_backward_bias(const int images, const int outChannels, const int outPositions,
                                      __global const float* restrict gradOutput, __global float* restrict gradBias,
                                      const int biasOffset) {
    const int o = get_global_id(0);
    if (o >= outChannels) return;
    float sum = 0.0f;
    for (int n = 0; n < images; ++n) {
        const __global float* plane = gradOutput + ((long)n * outChannels + o) * outPositions;
        for (int p = 0; p < outPositions; ++p) sum += plane[p];
    }
    gradBias[biasOffset + o] += sum;
}
