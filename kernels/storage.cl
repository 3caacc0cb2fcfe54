// How activations and weights are stored: float, or half when built with -DSTORAGE_HALF.
// Half is storage only (vload_half/vstore_half are core OpenCL, no cl_khr_fp16 needed);
// arithmetic is always float.

#ifdef STORAGE_HALF
#define storage_t half
#define LOAD(pointer, index) vload_half((index), (pointer))
#define STORE(value, pointer, index) vstore_half((value), (index), (pointer))
#define LOAD16(pointer, index) vload_half16(0, (pointer) + (index))
#define STORE16(value, pointer, index) vstore_half16((value), 0, (pointer) + (index))
#else
#define storage_t float
#define LOAD(pointer, index) ((pointer)[index])
#define STORE(value, pointer, index) ((pointer)[index] = (value))
#define LOAD16(pointer, index) vload16(0, (pointer) + (index))
#define STORE16(value, pointer, index) vstore16((value), 0, (pointer) + (index))
#endif

// The same accessors for buffers that are float whatever the storage (gradients, the image),
// so that one kernel body can be instantiated for float and storage_t arguments.
#define READ_FLOAT(pointer, index) ((pointer)[index])
#define READ_FLOAT16(pointer, index) vload16(0, (pointer) + (index))
#define WRITE_FLOAT(value, pointer, index) ((pointer)[index] = (value))
#define WRITE_FLOAT16(value, pointer, index) vstore16((value), 0, (pointer) + (index))

// dst[i] = src[i] converted to storage (round to nearest even for half).
__kernel void store_floats(const int n, __global const float* src, __global storage_t* dst) {
    const int i = get_global_id(0);
    if (i < n) STORE(src[i], dst, i);
}

// dst[i] = src[i] as float.
__kernel void load_floats(const int n, __global const storage_t* src, __global float* dst) {
    const int i = get_global_id(0);
    if (i < n) dst[i] = LOAD(src, i);
}

// Columns [offset, offset + bandPositions) of each of `channels` rows of a channels × positions
// matrix, as a dense float channels × bandPositions band (Gram matrices work band by band).
__kernel void load_band(const int channels, const int positions, const int offset, const int bandPositions,
                        __global const storage_t* src, __global float* band) {
    const int p = get_global_id(0), c = get_global_id(1);
    if (p >= bandPositions || c >= channels) return;
    band[c * bandPositions + p] = LOAD(src, c * positions + offset + p);
}
