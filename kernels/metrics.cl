// Image quality metrics (Sources/StyleEngine/Metrics). Float throughout: these kernels do not
// use storage_t, so they build the same with or without -DSTORAGE_HALF.

// SSIM (Wang et al. 2004) on luminance, see SSIM.swift for the definition.
#define SSIM_WINDOW 11
// Output columns summed by one work-item of ssim_map_rows.
#define SSIM_SEGMENT 32

// Y = 0.299 R + 0.587 G + 0.114 B of `count` interleaved 8-bit RGB pixels, on the 0–255 scale.
__kernel void luminance(const int count, __global const uchar* rgb, __global float* y) {
    const int i = get_global_id(0);
    if (i >= count) return;
    const float r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    y[i] = 0.299f * r + 0.587f * g + 0.114f * b;
}

// Partial sums of the SSIM map of two height×width luminance planes over the valid positions
// (the 11×11 window inside the image): (height − 10) rows of (width − 10) values.
// Work-item (s, r) sums columns [s·SSIM_SEGMENT, (s+1)·SSIM_SEGMENT) of output row r into
// partials[r · segments + s], segments = ceil((width − 10) / SSIM_SEGMENT).
// taps: the normalised 1-D Gaussian (11 values); the window weight is taps[i]·taps[j].
// Variances and covariance are computed as Σ w (x − μx)(y − μy), equal to E[xy] − μx μy for
// weights summing to 1 but without the cancellation of E[x²] − μ² in float.
__kernel void ssim_map_rows(const int height, const int width, __global const float* x,
                            __global const float* y, __constant float* taps, const float c1,
                            const float c2, __global float* partials) {
    const int segment = get_global_id(0), row = get_global_id(1);
    const int outWidth = width - (SSIM_WINDOW - 1), outHeight = height - (SSIM_WINDOW - 1);
    const int segments = (outWidth + SSIM_SEGMENT - 1) / SSIM_SEGMENT;
    if (segment >= segments || row >= outHeight) return;
    const int first = segment * SSIM_SEGMENT;
    const int last = min(first + SSIM_SEGMENT, outWidth);
    float sum = 0.0f;
    for (int col = first; col < last; ++col) {
        float mx = 0.0f, my = 0.0f;
        for (int i = 0; i < SSIM_WINDOW; ++i) {
            const int base = (row + i) * width + col;
            float rx = 0.0f, ry = 0.0f;
            for (int j = 0; j < SSIM_WINDOW; ++j) {
                rx = fma(taps[j], x[base + j], rx);
                ry = fma(taps[j], y[base + j], ry);
            }
            mx = fma(taps[i], rx, mx);
            my = fma(taps[i], ry, my);
        }
        float vx = 0.0f, vy = 0.0f, cxy = 0.0f;
        for (int i = 0; i < SSIM_WINDOW; ++i) {
            const int base = (row + i) * width + col;
            float rxx = 0.0f, ryy = 0.0f, rxy = 0.0f;
            for (int j = 0; j < SSIM_WINDOW; ++j) {
                const float dx = x[base + j] - mx, dy = y[base + j] - my;
                rxx = fma(taps[j], dx * dx, rxx);
                ryy = fma(taps[j], dy * dy, ryy);
                rxy = fma(taps[j], dx * dy, rxy);
            }
            vx = fma(taps[i], rxx, vx);
            vy = fma(taps[i], ryy, vy);
            cxy = fma(taps[i], rxy, cxy);
        }
        sum += ((2.0f * mx * my + c1) * (2.0f * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
    }
    partials[row * segments + segment] = sum;
}
