// Expands 8-bit k-means quantized weights: out[i] = table[index[i]] (256-entry table).
__kernel void dequantize_u8(const int n, __global const uchar* index, __global const float* table,
                            __global float* out) {
    const int i = get_global_id(0);
    if (i < n) out[i] = table[index[i]];
}
