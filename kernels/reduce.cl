// Sums on the device in two passes, so the host only ever reads scalars. Built after storage.cl.
// Pass 1 (a *_partial kernel): REDUCE_GROUPS work-groups of REDUCE_LOCAL items each write
// one partial sum to partials[slot · REDUCE_GROUPS + group]. Pass 2 (finish_sums) adds a
// slot's partials in a fixed order, so results are deterministic run to run.

#ifndef REDUCE_LOCAL
#define REDUCE_LOCAL 64
#endif
#ifndef REDUCE_GROUPS
#define REDUCE_GROUPS 64
#endif

// Tree-reduces each work-group's `value` and stores it as the group's partial.
inline void store_group_sum(float value, __local float* scratch, __global float* partials, const int slot) {
    const int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = REDUCE_LOCAL / 2; stride > 0; stride >>= 1) {
        if (lid < stride) scratch[lid] += scratch[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partials[slot * REDUCE_GROUPS + get_group_id(0)] = scratch[0];
}

// Σ a[i]·b[i]
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void dot_partial(const int n, __global const float* a, __global const float* b,
                 __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    float sum = 0.0f;
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) sum += a[i] * b[i];
    store_group_sum(sum, scratch, partials, slot);
}

// Σ a[i]·b[i] for a stored vector a (L-BFGS history; its scale multiplies the finished sum).
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void dot_stored_partial(const int n, __global const storage_t* a, __global const float* b,
                        __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    float sum = 0.0f;
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) sum += LOAD(a, i) * b[i];
    store_group_sum(sum, scratch, partials, slot);
}

// max |a[i]| per group, into partials (finished by finish_max).
__kernel __attribute__((reqd_work_group_size(REDUCE_LOCAL, 1, 1)))
void max_abs_partial(const int n, __global const float* a, __global float* partials, const int slot) {
    __local float scratch[REDUCE_LOCAL];
    const int lid = get_local_id(0);
    float value = 0.0f;
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) value = fmax(value, fabs(a[i]));
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = REDUCE_LOCAL / 2; stride > 0; stride >>= 1) {
        if (lid < stride) scratch[lid] = fmax(scratch[lid], scratch[lid + stride]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partials[slot * REDUCE_GROUPS + get_group_id(0)] = scratch[0];
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
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) sum += fabs(a[i]);
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
