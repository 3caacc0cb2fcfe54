/// Feed-forward style networks: pytorch/examples' `TransformerNet` (Johnson et al. 2016) and
/// its multi-style form with conditional instance normalization (Dumoulin et al. 2017).
public enum FastStyle {}
