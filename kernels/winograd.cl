// 3×3 convolution (stride 1, padding 1) by Winograd's minimal filtering F(2×2, 3×3):
// each 2×2 output tile costs 16 multiplies per (input, output) channel pair instead of 36.
// Built after storage.cl.
//
//   U[ξ][k][c] = (G g_kc Gᵀ)[ξ]            weights, transformed per call into float
//   V[ξ][c][t] = (Bᵀ d_ct B)[ξ]            4×4 input patch of tile t, transformed
//   M[ξ]       = U[ξ] · V[ξ]               16 GEMMs (ConvGEMM: batched, U packed in panels)
//   y_kt       = Aᵀ M[·][k][t] A            2×2 outputs of tile t
//
// with Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
// Aᵀ = [1 1 1 0; 0 1 −1 −1]. Tiles are numbered row-major over ⌈H/2⌉ × ⌈W/2⌉ and processed
// in bands of tile rows [tileRow0, tileRow0 + tileRows), t counting within the band; rows of
// V are ldv ≥ tiles apart (padded for the packed GEMM).

// U from stored weights W [K][C][3][3]. With `flip`, the weights of the backward-to-input
// convolution instead: W'[c][k][a][b] = W[k][c][2−a][2−b], so U has shape [16][C][K].
// Each U[ξ] is in panels of `panel` rows (gemm.cl's A layout), `uStride` floats apart.
__kernel void winograd_weights(const int outChannels, const int inChannels, const int flip, const int panel,
                               const int uStride, __global const storage_t* weights, __global float* U) {
    const int c = get_global_id(0), k = get_global_id(1);
    if (c >= inChannels || k >= outChannels) return;
    float g[3][3];
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
            g[a][b] = flip ? LOAD(weights, ((k * inChannels + c) * 3 + (2 - a)) * 3 + (2 - b))
                           : LOAD(weights, ((k * inChannels + c) * 3 + a) * 3 + b);
    float t[4][3];  // G g
    for (int b = 0; b < 3; ++b) {
        t[0][b] = g[0][b];
        t[1][b] = 0.5f * (g[0][b] + g[1][b] + g[2][b]);
        t[2][b] = 0.5f * (g[0][b] - g[1][b] + g[2][b]);
        t[3][b] = g[2][b];
    }
    // Rows of U are the filter's output channels: k normally, c when flipped.
    const int cols = flip ? outChannels : inChannels;
    const int row = flip ? c : k, col = flip ? k : c;
    const int offset = ((row / panel) * cols + col) * panel + row % panel;
    for (int i = 0; i < 4; ++i) {
        const float u[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]), 0.5f * (t[i][0] - t[i][1] + t[i][2]), t[i][2]};
        for (int j = 0; j < 4; ++j) U[(i * 4 + j) * uStride + offset] = u[j];
    }
}

// V for a band of tile rows, from a C×H×W input (float gradients, or stored activations).
#define WINOGRAD_INPUT(NAME, INPUT_T, READ)                                                         \
__kernel void NAME(const int channels, const int height, const int width, const int tileRow0,      \
                   const int tileRows, const int ldv, __global const INPUT_T* input, __global float* V) {\
    const int tilesX = (width + 1) / 2;                                                            \
    const int tx = get_global_id(0), ty = get_global_id(1), c = get_global_id(2);                  \
    if (tx >= tilesX || ty >= tileRows || c >= channels) return;                                   \
    const int y0 = 2 * (tileRow0 + ty) - 1, x0 = 2 * tx - 1;                                       \
    float d[4][4];                                                                                 \
    for (int i = 0; i < 4; ++i)                                                                    \
        for (int j = 0; j < 4; ++j) {                                                              \
            const int y = y0 + i, x = x0 + j;                                                      \
            d[i][j] = (y >= 0 && y < height && x >= 0 && x < width)                                \
                ? READ(input, (c * height + y) * width + x) : 0.0f;                                \
        }                                                                                          \
    float t[4][4];  /* Bᵀ d */                                                                     \
    for (int j = 0; j < 4; ++j) {                                                                  \
        t[0][j] = d[0][j] - d[2][j];                                                               \
        t[1][j] = d[1][j] + d[2][j];                                                               \
        t[2][j] = d[2][j] - d[1][j];                                                               \
        t[3][j] = d[1][j] - d[3][j];                                                               \
    }                                                                                              \
    const int t0 = ty * tilesX + tx;                                                               \
    for (int i = 0; i < 4; ++i) {                                                                  \
        const float v[4] = {t[i][0] - t[i][2], t[i][1] + t[i][2], t[i][2] - t[i][1], t[i][1] - t[i][3]}; \
        for (int j = 0; j < 4; ++j) V[((i * 4 + j) * channels + c) * ldv + t0] = v[j];             \
    }                                                                                              \
}
WINOGRAD_INPUT(winograd_input, float, READ_FLOAT)
WINOGRAD_INPUT(winograd_input_stored, storage_t, LOAD)

// Outputs of a band of tile rows from M [16][K][tiles]: Aᵀ m A, plus bias and ReLU when
// asked, written where they fall inside the K×H×W output.
#define WINOGRAD_OUTPUT(NAME, OUTPUT_T, WRITE)                                                      \
__kernel void NAME(const int channels, const int height, const int width, const int tileRow0,      \
                   const int tileRows, __global const float* M, const int useBias,                 \
                   __global const float* bias, const int relu, __global OUTPUT_T* output) {        \
    const int tilesX = (width + 1) / 2;                                                            \
    const int tx = get_global_id(0), ty = get_global_id(1), k = get_global_id(2);                  \
    if (tx >= tilesX || ty >= tileRows || k >= channels) return;                                   \
    const int tiles = tileRows * tilesX, t0 = ty * tilesX + tx;                                    \
    float m[4][4];                                                                                 \
    for (int i = 0; i < 4; ++i)                                                                    \
        for (int j = 0; j < 4; ++j) m[i][j] = M[((i * 4 + j) * channels + k) * tiles + t0];        \
    float t[2][4];  /* Aᵀ m */                                                                     \
    for (int j = 0; j < 4; ++j) {                                                                  \
        t[0][j] = m[0][j] + m[1][j] + m[2][j];                                                     \
        t[1][j] = m[1][j] - m[2][j] - m[3][j];                                                     \
    }                                                                                              \
    const float b = useBias ? bias[k] : 0.0f;                                                      \
    for (int i = 0; i < 2; ++i) {                                                                  \
        const float out[2] = {t[i][0] + t[i][1] + t[i][2] + b, t[i][1] - t[i][2] - t[i][3] + b};   \
        const int y = 2 * (tileRow0 + ty) + i;                                                     \
        for (int j = 0; j < 2; ++j) {                                                              \
            const int x = 2 * tx + j;                                                              \
            if (y < height && x < width) {                                                         \
                const float value = relu ? fmax(out[j], 0.0f) : out[j];                            \
                WRITE(value, output, (k * height + y) * width + x);                                \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
}
WINOGRAD_OUTPUT(winograd_output, float, WRITE_FLOAT)
WINOGRAD_OUTPUT(winograd_output_stored, storage_t, STORE)
