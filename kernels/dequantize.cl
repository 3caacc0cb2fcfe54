// Expands 8-bit k-means quantized weights: out[i] = table[index[i]] (256-entry table).
__kernel void dequantize_u8(const int n, __global const uchar* index, __global const float* table,
                            __global float* out) {
    const int i = get_global_id(0);
    if (i < n) out[i] = table[index[i]];
}

// The same with one 256-entry table per row of row_length weights (per-output-channel
// encodings; a single table is one row as long as the whole filter).
__kernel void dequantize_u8_rows(const int n, const int row_length, __global const uchar* index,
                                 __global const float* table, __global float* out) {
    const int i = get_global_id(0);
    if (i < n) out[i] = table[(i / row_length) * 256 + index[i]];
}
