// 3×3 convolution, stride 1, zero padding 1, as im2col + GEMM (the GEMM is CLBlast's).
// Built after storage.cl.
// Layouts: images C×H×W row-major; weights K×C×3×3 row-major (= a K × C·9 matrix).
//
// Forward:   out[K, H·W]   = W[K, C·9] · im2col(in)[C·9, H·W] + bias
// Backward:  dIn[C, H·W]   = W'[C, K·9] · im2col(dOut)[K·9, H·W]
//            where W'[c][k][ky][kx] = W[k][c][2-ky][2-kx] (the transposed, flipped filter),
//            so the backward to the input is itself a padded 3×3 convolution.

// im2col of input rows [row0, row0 + rows): col[(c·9 + ky·3 + kx)][r·W + x] = in[c][row0+r+ky-1][x+kx-1],
// rows of col ld ≥ rows·W apart (the packed GEMM wants them padded to whole tiles).
// One work-item per output element, x fastest, so that writes are contiguous and PoCL can
// vectorise along x. IM2COL defines it for float inputs (gradients) and stored activations.
#define IM2COL(NAME, INPUT_T, READ)                                                                  \
__kernel void NAME(const int channels, const int height, const int width, const int row0,           \
                   const int rows, const int ld, __global const INPUT_T* input, __global float* col) {\
    const int x = get_global_id(0), r = get_global_id(1), row = get_global_id(2);                   \
    if (x >= width || r >= rows || row >= channels * 9) return;                                     \
    const int c = row / 9, tap = row - 9 * c, ky = tap / 3, kx = tap - 3 * ky;                      \
    const int y = row0 + r + ky - 1, sourceX = x + kx - 1;                                          \
    float value = 0.0f;                                                                             \
    if (y >= 0 && y < height && sourceX >= 0 && sourceX < width)                                    \
        value = READ(input, (c * height + y) * width + sourceX);                                    \
    col[row * ld + r * width + x] = value;                                                          \
}
IM2COL(im2col_3x3, float, READ_FLOAT)
IM2COL(im2col_3x3_stored, storage_t, LOAD)

// W'[c][k][2-ky][2-kx] = W[k][c][ky][kx]: the weights of the backward-to-input convolution,
// a C × K·9 matrix, from stored (float or half) weights, in panels of `panel` rows for the
// GEMM (gemm.cl; 1 is plain row-major).
__kernel void flip_transpose_3x3(const int outChannels, const int inChannels, const int panel,
                                 __global const storage_t* weights, __global float* flipped) {
    const int i = get_global_id(0);
    if (i >= outChannels * inChannels * 9) return;
    const int k = i / (inChannels * 9), c = (i / 9) % inChannels, tap = i % 9;
    const int col = k * 9 + (8 - tap);
    flipped[((c / panel) * outChannels * 9 + col) * panel + c % panel] = LOAD(weights, i);
}
