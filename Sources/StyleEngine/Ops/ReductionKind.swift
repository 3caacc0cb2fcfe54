/// How reductions (dot products, norms, losses) fill a work-group's partial sum.
public enum ReductionKind: String, Sendable, CaseIterable {
    /// Work-items stride through the vector together, then tree-reduce in local memory (GPUs).
    case tree
    /// Each work-item sums one contiguous chunk with vector accumulators (CPUs, where the
    /// tree's barriers and strided reads run ~20× slower).
    case chunked
}
