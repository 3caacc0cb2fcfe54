// A register-blocked GEMM for CPU devices (PoCL), where CLBlast's tilings reach about half
// of what this does. Built after storage.cl.
//
//   C[b][m][n] (+)= Σ_k A[b][m][k] · B[b][k][n]   (+ bias[m], ReLU)
//
// A comes in panels of GEMM_MR rows, each panel k-major: A_packed[m/MR][k][m%MR] (rows past
// M may hold anything: their results are never stored). B is row-major with rows padded to
// ldb ≥ ⌈N/NR⌉·NR, so every load is a full vector (padding columns are never stored either).
// Each work-item keeps an MR × NR tile of C in registers (NR = 8·GEMM_NV): per k, NV vector
// loads of B and MR broadcasts of A feed MR·NV vector FMAs. Work-items are numbered with the
// row panel fastest, so consecutive work-groups reuse one B panel from the cache.
#ifndef GEMM_MR
#define GEMM_MR 4
#endif
#ifndef GEMM_NV
#define GEMM_NV 6
#endif
#define GEMM_NR (8 * GEMM_NV)

// Multiplies rows [kBegin, kEnd) of the k range (A panels span kTotal). With `accumulate`,
// adds to C; `useBias` and `relu` finish C (only on the last k range when the host splits K).
// global = [⌈M/MR⌉, ⌈N/NR⌉, batch], local = [1, 1, 1].
__kernel void gemm_packed(const int M, const int N, const int kTotal, const int kBegin, const int kEnd,
                          __global const float* restrict A, const int aStride,
                          __global const float* restrict B, const int ldb, const int bStride,
                          __global float* restrict C, const int cOffset, const int ldc, const int cStride,
                          const int accumulate, const int useBias, __global const float* restrict bias,
                          const int relu) {
    const int panel = get_global_id(0), n0 = get_global_id(1) * GEMM_NR, batch = get_global_id(2);
    const int m0 = panel * GEMM_MR;
    float8 acc[GEMM_MR][GEMM_NV];
    #pragma unroll
    for (int i = 0; i < GEMM_MR; ++i)
        #pragma unroll
        for (int v = 0; v < GEMM_NV; ++v) acc[i][v] = (float8)(0.0f);
    const __global float* a = A + (long)batch * aStride + ((long)panel * kTotal + kBegin) * GEMM_MR;
    const __global float* b = B + (long)batch * bStride + (long)kBegin * ldb + n0;
    for (int k = kBegin; k < kEnd; ++k) {
        float8 bv[GEMM_NV];
        #pragma unroll
        for (int v = 0; v < GEMM_NV; ++v) bv[v] = vload8(v, b);
        #pragma unroll
        for (int i = 0; i < GEMM_MR; ++i) {
            const float8 av = (float8)(a[i]);
            #pragma unroll
            for (int v = 0; v < GEMM_NV; ++v) acc[i][v] = fma(av, bv[v], acc[i][v]);
        }
        a += GEMM_MR;
        b += ldb;
    }
    __global float* c = C + cOffset + (long)batch * cStride;
    for (int i = 0; i < GEMM_MR; ++i) {
        const int m = m0 + i;
        if (m >= M) break;
        const float8 offset = (float8)(useBias ? bias[m] : 0.0f);
        __global float* row = c + (long)m * ldc + n0;
        #pragma unroll
        for (int v = 0; v < GEMM_NV; ++v) {
            float8 value = acc[i][v] + offset;
            if (n0 + 8 * v + 8 <= N) {
                if (accumulate) value += vload8(v, row);
                if (relu) value = fmax(value, (float8)(0.0f));
                vstore8(value, v, row);
            } else {
                float lanes[8];
                vstore8(value, 0, lanes);
                for (int j = 0; j < 8 && n0 + 8 * v + j < N; ++j) {
                    float x = lanes[j] + (accumulate ? row[8 * v + j] : 0.0f);
                    row[8 * v + j] = relu ? fmax(x, 0.0f) : x;
                }
            }
        }
    }
}

// A_packed from a row-major rows × cols matrix in storage precision, panels of `panel` rows
// (1: a plain row-major float copy, the layout CLBlast takes).
__kernel void pack_panels(const int rows, const int cols, const int panel,
                          __global const storage_t* source, __global float* packed) {
    const int col = get_global_id(0), row = get_global_id(1);
    if (col >= cols || row >= rows) return;
    packed[((row / panel) * cols + col) * panel + row % panel] = LOAD(source, row * cols + col);
}
