// Sums on the device in two passes, so the host only ever reads scalars. Built after storage.cl.
// Pass 1 (a *_partial kernel): REDUCE_GROUPS work-groups of REDUCE_LOCAL items each write
// one partial sum to partials[slot · REDUCE_GROUPS + group]. Pass 2 (finish_sums) adds a
// slot's partials in a fixed order, so results are deterministic run to run.
//
// Two ways to fill a group's partial:
// - GPUs (default): REDUCE_LOCAL work-items stride through the vector together (coalesced),
//   then tree-reduce in local memory.
// - CPUs (-DREDUCE_CHUNKED, REDUCE_LOCAL 1): each work-item sums one contiguous chunk with
//   16-wide vector accumulators. On PoCL the strided, barrier-synchronised form runs ~20×
//   slower (474 µs against 24 µs for a dot of 196 608 floats), and L-BFGS's two-loop
//   recursion runs two hundred of these per iteration.

#ifndef REDUCE_LOCAL
#define REDUCE_LOCAL 64
#endif
#ifndef REDUCE_GROUPS
#define REDUCE_GROUPS 64
#endif

// Tree-reduces each work-group's `value` and stores it as the group's partial.
inline void store_group_sum(float value, __local float* scratch, __global float* partials, const int slot) {
#ifdef REDUCE_CHUNKED
    if (get_local_id(0) == 0) partials[slot * REDUCE_GROUPS + get_group_id(0)] = value;
#else
    const int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = REDUCE_LOCAL / 2; stride > 0; stride >>= 1) {
        if (lid < stride) scratch[lid] += scratch[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partials[slot * REDUCE_GROUPS + get_group_id(0)] = scratch[0];
#endif
}

// The indices this work-item visits: a strided walk (GPUs) or its own contiguous chunk, whose
// length is a multiple of 16 (CPUs). REDUCE_FOR runs them one by one; on CPUs the kernels
// below first take whole vectors of 16 with REDUCE_VECTORS, and REDUCE_FOR finishes the rest.
#ifdef REDUCE_CHUNKED
inline int reduce_chunk(const int n) { return ((n + REDUCE_GROUPS - 1) / REDUCE_GROUPS + 15) / 16 * 16; }
inline int reduce_begin(const int n) { return min(n, (int)get_group_id(0) * reduce_chunk(n)); }
inline int reduce_end(const int n) { return min(n, reduce_begin(n) + reduce_chunk(n)); }
#define REDUCE_VECTORS(i, n) for (int i = reduce_begin(n), i##End = reduce_end(n); i + 16 <= i##End; i += 16)
#define REDUCE_FOR(i, n, first) for (int i = (first); i < reduce_end(n); ++i)
#define REDUCE_FIRST(n) reduce_begin(n)
#define REDUCE_FIRST_AFTER_VECTORS(n) (reduce_begin(n) + (reduce_end(n) - reduce_begin(n)) / 16 * 16)
inline float horizontal_sum(const float16 v) {
    const float8 h8 = v.lo + v.hi;
    const float4 h4 = h8.lo + h8.hi;
    const float2 h2 = h4.lo + h4.hi;
    return h2.x + h2.y;
}
inline float horizontal_max(const float16 v) {
    const float8 h8 = fmax(v.lo, v.hi);
    const float4 h4 = fmax(h8.lo, h8.hi);
    const float2 h2 = fmax(h4.lo, h4.hi);
    return fmax(h2.x, h2.y);
}
#else
#define REDUCE_FOR(i, n, first) for (int i = (first); i < (n); i += get_global_size(0))
#define REDUCE_FIRST(n) ((int)get_global_id(0))
#define REDUCE_FIRST_AFTER_VECTORS(n) ((int)get_global_id(0))
#endif

// Σ a[i]·b[i]
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void dot_partial(const int n, __global const float* a, __global const float* b,
                 __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    float sum = 0.0f;
#ifdef REDUCE_CHUNKED
    float16 vector = (float16)(0.0f);
    REDUCE_VECTORS(i, n) vector = fma(vload16(0, a + i), vload16(0, b + i), vector);
    sum = horizontal_sum(vector);
#endif
    REDUCE_FOR(i, n, REDUCE_FIRST_AFTER_VECTORS(n)) sum += a[i] * b[i];
    store_group_sum(sum, scratch, partials, slot);
}

// Σ a[i]·b[i] for a stored vector a (L-BFGS history; its scale multiplies the finished sum).
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void dot_stored_partial(const int n, __global const storage_t* a, __global const float* b,
                        __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    float sum = 0.0f;
#ifdef REDUCE_CHUNKED
    float16 vector = (float16)(0.0f);
    REDUCE_VECTORS(i, n) vector = fma(LOAD16(a, i), vload16(0, b + i), vector);
    sum = horizontal_sum(vector);
#endif
    REDUCE_FOR(i, n, REDUCE_FIRST_AFTER_VECTORS(n)) sum += LOAD(a, i) * b[i];
    store_group_sum(sum, scratch, partials, slot);
}

// max |a[i]| per group, into partials (finished by finish_max).
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void max_abs_partial(const int n, __global const float* a, __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    float value = 0.0f;
#ifdef REDUCE_CHUNKED
    float16 vector = (float16)(0.0f);
    REDUCE_VECTORS(i, n) vector = fmax(vector, fabs(vload16(0, a + i)));
    value = horizontal_max(vector);
#endif
    REDUCE_FOR(i, n, REDUCE_FIRST_AFTER_VECTORS(n)) value = fmax(value, fabs(a[i]));
#ifdef REDUCE_CHUNKED
    partials[slot * REDUCE_GROUPS + get_group_id(0)] = value;
#else
    const int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = REDUCE_LOCAL / 2; stride > 0; stride >>= 1) {
        if (lid < stride) scratch[lid] = fmax(scratch[lid], scratch[lid + stride]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partials[slot * REDUCE_GROUPS + get_group_id(0)] = scratch[0];
#endif
}

// scalars[outSlot] = multiplier · max_j partials[slot·G + j], or 1 where that is 0 (an all-zero
// vector), so it can divide.
__kernel void finish_max(const int slot, __global const float* partials, __global float* scalars,
                         const int outSlot, const float multiplier) {
    if (get_global_id(0) != 0) return;
    float value = 0.0f;
    for (int j = 0; j < REDUCE_GROUPS; ++j) value = fmax(value, partials[slot * REDUCE_GROUPS + j]);
    value *= multiplier;
    scalars[outSlot] = value > 0.0f ? value : 1.0f;
}

// Σ |a[i]|
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void abs_sum_partial(const int n, __global const float* a, __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    float sum = 0.0f;
#ifdef REDUCE_CHUNKED
    float16 vector = (float16)(0.0f);
    REDUCE_VECTORS(i, n) vector += fabs(vload16(0, a + i));
    sum = horizontal_sum(vector);
#endif
    REDUCE_FOR(i, n, REDUCE_FIRST_AFTER_VECTORS(n)) sum += fabs(a[i]);
    store_group_sum(sum, scratch, partials, slot);
}

// scalars[outSlot + s] = (Σ_j partials[(slot0 + s)·G + j]) · scalars[factorSlot] · scalars[factor2Slot]
// for s in 0 ..< count, a factor slot < 0 counting as 1.
__kernel void finish_sums(const int slot0, const int count, __global const float* partials,
                          __global float* scalars, const int outSlot, const int factorSlot, const int factor2Slot) {
    const int s = get_global_id(0);
    if (s >= count) return;
    __global const float* p = partials + (slot0 + s) * REDUCE_GROUPS;
    float sum = 0.0f;
    for (int j = 0; j < REDUCE_GROUPS; ++j) sum += p[j];
    if (factorSlot >= 0) sum *= scalars[factorSlot];
    if (factor2Slot >= 0) sum *= scalars[factor2Slot];
    scalars[outSlot + s] = sum;
}

// scalars[outSlot] += Σ partials of `slot`: a sum taken in pieces (a tiled objective's tiles).
__kernel void add_sums(const int slot, __global const float* partials, __global float* scalars, const int outSlot) {
    if (get_global_id(0) != 0) return;
    __global const float* p = partials + slot * REDUCE_GROUPS;
    float sum = 0.0f;
    for (int j = 0; j < REDUCE_GROUPS; ++j) sum += p[j];
    scalars[outSlot] += sum;
}
