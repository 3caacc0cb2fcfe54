// 3×3 convolution with stride 1 on N images at once, over an input already padded (the fast
// models' reflection padding) or zero-padded here (VGG's), by Winograd's minimal filtering
// F(4×4, 3×3): each 4×4 output tile costs 36 multiplies per (input, output) channel pair
// instead of 144. Driven by StyleEngine's WinogradF4. Built after storage.cl.
//
//   U[ξ][k][c] = (G g_kc Gᵀ)[ξ]            the filter, transformed (per call: weights change)
//   V[ξ][c][t] = (Bᵀ d_ct B)[ξ]            6×6 input patch of tile t, transformed
//   M[ξ][k][t] = Σ_c U[ξ][k][c] · V[ξ][c][t]   36 products (winograd4_multiply)
//   y_kt       = Aᵀ M[·][k][t] A            the 4×4 outputs of tile t (+ bias)
//
// Tile rows count over images (n·tilesY + ty); tile (ty, tx)'s outputs are rows 4ty … 4ty+3,
// columns 4tx … 4tx+3 (those past the output are dropped), its patch the input's rows
// 4ty … 4ty+5, columns 4tx … 4tx+5 (past the input: zeros). The host runs the three kernels
// over chunks of whole tile rows so that V and M stay in the cache; within a chunk tile
// t = row·tilesX + tx, and rows of V and M are `ld` (a multiple of 16, ≥ rows·tilesX) apart.
//
// Tunable (-D): WINOGRAD4_KB output channels per work-item of the product, each a float16 of
// 16 tiles in registers; U is in panels of KB rows: U[ξ][k/KB][c][k%KB].
#ifndef WINOGRAD4_KB
#define WINOGRAD4_KB 8
#endif

// U from the weights at weightOffset, OVERWRITING U from uOffset on (36 × ⌈K/KB⌉·KB × C
// floats; the last panel's rows past K are zeros): the layer's filter W [K][C][3][3], or with
// `flip` the backward-to-input convolution's from the layer's W [C][K][3][3] (its input and
// output channels swapped, taps mirrored). global = [C, ⌈K/KB⌉·KB].
#define WINOGRAD4_WEIGHTS(NAME, WEIGHT_T, READ)                                                   \
__kernel void NAME(const int channels, const int outChannels, const int flip,                    \
                   __global const WEIGHT_T* restrict weights, const int weightOffset,            \
                   __global float* restrict U, const int uOffset) {                              \
    const int c = get_global_id(0), o = get_global_id(1);                                        \
    const int panels = (outChannels + WINOGRAD4_KB - 1) / WINOGRAD4_KB;                          \
    if (c >= channels || o >= panels * WINOGRAD4_KB) return;                                     \
    float g[3][3];                                                                               \
    for (int a = 0; a < 3; ++a)                                                                  \
        for (int b = 0; b < 3; ++b) {                                                            \
            const int at = flip ? ((c * outChannels + o) * 3 + 2 - a) * 3 + 2 - b                \
                                : ((o * channels + c) * 3 + a) * 3 + b;                          \
            g[a][b] = o < outChannels ? READ(weights, weightOffset + at) : 0.0f;                 \
        }                                                                                        \
    float t[6][3];  /* G g */                                                                    \
    for (int b = 0; b < 3; ++b) {                                                                \
        t[0][b] = 0.25f * g[0][b];                                                               \
        t[1][b] = -(g[0][b] + g[1][b] + g[2][b]) / 6.0f;                                         \
        t[2][b] = -(g[0][b] - g[1][b] + g[2][b]) / 6.0f;                                         \
        t[3][b] = g[0][b] / 24.0f + g[1][b] / 12.0f + g[2][b] / 6.0f;                            \
        t[4][b] = g[0][b] / 24.0f - g[1][b] / 12.0f + g[2][b] / 6.0f;                            \
        t[5][b] = g[2][b];                                                                       \
    }                                                                                            \
    const long panelStride = (long)channels * WINOGRAD4_KB;                                      \
    const long offset = (long)(o / WINOGRAD4_KB) * panelStride + c * WINOGRAD4_KB + o % WINOGRAD4_KB; \
    const long xiStride = (long)panels * panelStride;                                            \
    for (int i = 0; i < 6; ++i) {  /* (G g) Gᵀ */                                                \
        const float u[6] = {                                                                     \
            0.25f * t[i][0],                                                                     \
            -(t[i][0] + t[i][1] + t[i][2]) / 6.0f,                                               \
            -(t[i][0] - t[i][1] + t[i][2]) / 6.0f,                                               \
            t[i][0] / 24.0f + t[i][1] / 12.0f + t[i][2] / 6.0f,                                  \
            t[i][0] / 24.0f - t[i][1] / 12.0f + t[i][2] / 6.0f,                                  \
            t[i][2],                                                                             \
        };                                                                                       \
        for (int j = 0; j < 6; ++j) U[uOffset + (i * 6 + j) * xiStride + offset] = u[j];         \
    }                                                                                            \
}
WINOGRAD4_WEIGHTS(winograd4_weights, storage_t, LOAD)
WINOGRAD4_WEIGHTS(winograd4_weights_float, float, READ_FLOAT)

// Bᵀ x for one column of six values (scalars or vectors of tiles).
#define WINOGRAD4_BT(x0, x1, x2, x3, x4, x5, r)                                                   \
    r[0] = 4.0f * x0 - 5.0f * x2 + x4;                                                           \
    r[1] = -4.0f * (x1 + x2) + x3 + x4;                                                          \
    r[2] = 4.0f * (x1 - x2) - x3 + x4;                                                           \
    r[3] = 2.0f * (x3 - x1) - x2 + x4;                                                           \
    r[4] = 2.0f * (x1 - x3) - x2 + x4;                                                           \
    r[5] = 4.0f * x1 - 5.0f * x3 + x5;

// V for the tile rows [firstRow, firstRow + rows) (rows count over images: n·tilesY + ty) of
// an N×C×Hin×Win input zero-padded by `pad` (0 where it is padded already; patches start at
// 4ty − pad, 4tx − pad), OVERWRITING V[ξ][c][t] for t < rows·tilesX (t = row·tilesX + tx
// within the chunk; the rest of each ld-long row is left as it is). A work-item transforms 8
// consecutive tiles of a row as the lanes of float8s: it loads the 34 input values of each
// patch row as vectors and deals them out by stride 4 where the tiles lie inside the input,
// and gathers them (zeros outside) elsewhere. global = [⌈tilesX/8⌉, rows, C].
#define WINOGRAD4_INPUT(NAME, INPUT_T, READ, READ16)                                              \
__kernel void NAME(const int channels, const int inHeight, const int inWidth, const int tilesY,  \
                   const int tilesX, const int pad, const int firstRow, const int rows,          \
                   const int ld, __global const INPUT_T* restrict input, __global float* restrict V, \
                   const int vOffset) {                                                          \
    const int tx0 = get_global_id(0) * 8, row = get_global_id(1), c = get_global_id(2);          \
    if (tx0 >= tilesX || row >= rows || c >= channels) return;                                   \
    const int n = (firstRow + row) / tilesY;                                                     \
    const int y0 = (firstRow + row) % tilesY * 4 - pad, x0 = tx0 * 4 - pad;                      \
    const long plane = ((long)n * channels + c) * inHeight;                                      \
    const int full = x0 >= 0 && y0 >= 0 && x0 + 34 <= inWidth && y0 + 6 <= inHeight;            \
    float8 d[6][6];                                                                              \
    for (int i = 0; i < 6; ++i) {                                                                \
        const long at = (plane + y0 + i) * inWidth + x0;                                         \
        if (full) {                                                                              \
            const float16 a = READ16(input, at), b = READ16(input, at + 16);                     \
            const float e0 = READ(input, at + 32), e1 = READ(input, at + 33);                    \
            d[i][0] = (float8)(a.s048c, b.s048c);                                                \
            d[i][1] = (float8)(a.s159d, b.s159d);                                                \
            d[i][2] = (float8)(a.s26ae, b.s26ae);                                                \
            d[i][3] = (float8)(a.s37bf, b.s37bf);                                                \
            d[i][4] = (float8)(a.s48c, b.s048c, e0);                                             \
            d[i][5] = (float8)(a.s59d, b.s159d, e1);                                             \
        } else {                                                                                 \
            float lanes[6][8];                                                                   \
            for (int j = 0; j < 6; ++j)                                                          \
                for (int l = 0; l < 8; ++l) {                                                    \
                    const int x = x0 + 4 * l + j;                                                \
                    const int inside = y0 + i >= 0 && y0 + i < inHeight && x >= 0 && x < inWidth;  \
                    lanes[j][l] = inside ? READ(input, at + 4 * l + j) : 0.0f;                   \
                }                                                                                \
            for (int j = 0; j < 6; ++j) d[i][j] = vload8(0, lanes[j]);                           \
        }                                                                                        \
    }                                                                                            \
    float8 s[6][6];  /* Bᵀ d, column by column */                                                \
    for (int j = 0; j < 6; ++j) {                                                                \
        float8 r[6];                                                                             \
        WINOGRAD4_BT(d[0][j], d[1][j], d[2][j], d[3][j], d[4][j], d[5][j], r)                     \
        for (int i = 0; i < 6; ++i) s[i][j] = r[i];                                              \
    }                                                                                            \
    const int t = row * tilesX + tx0, count = min(8, tilesX - tx0);                              \
    for (int i = 0; i < 6; ++i) {  /* (Bᵀ d) B, row by row */                                    \
        float8 r[6];                                                                             \
        WINOGRAD4_BT(s[i][0], s[i][1], s[i][2], s[i][3], s[i][4], s[i][5], r)                     \
        for (int j = 0; j < 6; ++j) {                                                            \
            __global float* target = V + vOffset + ((long)(i * 6 + j) * channels + c) * ld + t;  \
            if (count == 8) {                                                                    \
                vstore8(r[j], 0, target);                                                        \
            } else {                                                                             \
                float lanes[8];                                                                  \
                vstore8(r[j], 0, lanes);                                                         \
                for (int l = 0; l < count; ++l) target[l] = lanes[l];                            \
            }                                                                                    \
        }                                                                                        \
    }                                                                                            \
}
WINOGRAD4_INPUT(winograd4_input, storage_t, LOAD, LOAD16)
WINOGRAD4_INPUT(winograd4_input_float, float, READ_FLOAT, READ_FLOAT16)

// M[ξ] = U[ξ] · V[ξ] for every ξ, OVERWRITING M (36 × K × ld floats). A work-item keeps KB
// output channels × 16 tiles in registers: per input channel one vector of V feeds KB FMAs.
// global = [⌈K/KB⌉, ld/16, 36]: panels vary fastest, so consecutive work-groups read the same
// columns of V from the cache.
__kernel void winograd4_multiply(const int channels, const int outChannels, const int ld,
                                 __global const float* restrict U, const int uOffset, __global const float* restrict V,
                                 const int vOffset, __global float* restrict M, const int mOffset) {
    const int panel = get_global_id(0), t0 = get_global_id(1) * 16, xi = get_global_id(2);
    const int panels = (outChannels + WINOGRAD4_KB - 1) / WINOGRAD4_KB;
    if (panel >= panels || t0 >= ld) return;
    float16 acc[WINOGRAD4_KB];
    _Pragma("unroll") for (int i = 0; i < WINOGRAD4_KB; ++i) acc[i] = (float16)(0.0f);
    const __global float* u = U + uOffset + ((long)xi * panels + panel) * channels * WINOGRAD4_KB;
    const __global float* v = V + vOffset + (long)xi * channels * ld + t0;
    for (int c = 0; c < channels; ++c) {
        const float16 x = vload16(0, v + (long)c * ld);
        _Pragma("unroll") for (int i = 0; i < WINOGRAD4_KB; ++i) acc[i] = fma((float16)(u[i]), x, acc[i]);
        u += WINOGRAD4_KB;
    }
    _Pragma("unroll") for (int i = 0; i < WINOGRAD4_KB; ++i) {
        const int o = panel * WINOGRAD4_KB + i;
        if (o >= outChannels) break;
        vstore16(acc[i], 0, M + mOffset + ((long)xi * outChannels + o) * ld + t0);
    }
}

// Aᵀ x for one column of six values (scalars or vectors of tiles).
#define WINOGRAD4_AT(x0, x1, x2, x3, x4, x5, r)                                                   \
    r[0] = x0 + (x1 + x2) + (x3 + x4);                                                           \
    r[1] = (x1 - x2) + 2.0f * (x3 - x4);                                                         \
    r[2] = (x1 + x2) + 4.0f * (x3 + x4);                                                         \
    r[3] = (x1 - x2) + 8.0f * (x3 - x4) + x5;

// The outputs of the tile rows [firstRow, firstRow + rows) from M, plus bias (useBias), then
// ReLU (relu), OVERWRITING where they fall inside the N×K×Ho×Wo output. A work-item finishes 8
// consecutive tiles of a row as the lanes of float8s and interleaves each output row's 32
// values into two float16 stores where they lie inside the output (else value by value).
// global = [⌈tilesX/8⌉, rows, K].
#define WINOGRAD4_OUTPUT(NAME, OUTPUT_T, WRITE, WRITE16)                                          \
__kernel void NAME(const int outChannels, const int outHeight, const int outWidth, const int tilesY, \
                   const int tilesX, const int firstRow, const int rows, const int ld,           \
                   __global const float* restrict M, const int mOffset, const int useBias,       \
                   __global const float* restrict bias, const int biasOffset, const int relu,    \
                   __global OUTPUT_T* restrict output) {                                          \
    const int tx0 = get_global_id(0) * 8, row = get_global_id(1), o = get_global_id(2);         \
    if (tx0 >= tilesX || row >= rows || o >= outChannels) return;                                \
    const int t = row * tilesX + tx0;                                                            \
    float8 m[6][6];                                                                              \
    for (int i = 0; i < 6; ++i)                                                                  \
        for (int j = 0; j < 6; ++j)                                                              \
            m[i][j] = vload8(0, M + mOffset + ((long)(i * 6 + j) * outChannels + o) * ld + t);   \
    float8 s[4][6];  /* Aᵀ m */                                                                  \
    for (int j = 0; j < 6; ++j) {                                                                \
        float8 r[4];                                                                             \
        WINOGRAD4_AT(m[0][j], m[1][j], m[2][j], m[3][j], m[4][j], m[5][j], r)                     \
        for (int i = 0; i < 4; ++i) s[i][j] = r[i];                                              \
    }                                                                                            \
    const int n = (firstRow + row) / tilesY, y0 = (firstRow + row) % tilesY * 4, x0 = tx0 * 4;   \
    const float8 b = (float8)(useBias ? bias[biasOffset + o] : 0.0f);                            \
    const long plane = ((long)n * outChannels + o) * outHeight;                                  \
    const int full = x0 + 32 <= outWidth;                                                        \
    for (int i = 0; i < 4 && y0 + i < outHeight; ++i) {                                         \
        float8 r[4];                                                                             \
        WINOGRAD4_AT(s[i][0], s[i][1], s[i][2], s[i][3], s[i][4], s[i][5], r)                     \
        for (int j = 0; j < 4; ++j) r[j] = relu ? fmax(r[j] + b, (float8)(0.0f)) : r[j] + b;       \
        const long at = (plane + y0 + i) * outWidth + x0;                                        \
        /* output x0 + 4l + j is lane l of r[j] */                                               \
        const float16 p01 = shuffle2(r[0], r[1], (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15)); \
        const float16 p23 = shuffle2(r[2], r[3], (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15)); \
        const float16 lo = shuffle2(p01, p23, (uint16)(0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23)); \
        const float16 hi = shuffle2(p01, p23, (uint16)(8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31)); \
        if (full) {                                                                              \
            WRITE16(lo, output, at);                                                             \
            WRITE16(hi, output, at + 16);                                                        \
        } else {                                                                                 \
            float lanes[32];                                                                     \
            vstore16(lo, 0, lanes);                                                              \
            vstore16(hi, 0, lanes + 16);                                                         \
            for (int x = 0; x < 32 && x0 + x < outWidth && x < 4 * (tilesX - tx0); ++x)          \
                WRITE(lanes[x], output, at + x);                                                 \
        }                                                                                        \
    }                                                                                            \
}
WINOGRAD4_OUTPUT(winograd4_output, storage_t, STORE, STORE16)
WINOGRAD4_OUTPUT(winograd4_output_float, float, WRITE_FLOAT, WRITE_FLOAT16)
