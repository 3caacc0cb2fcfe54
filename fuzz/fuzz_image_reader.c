// libFuzzer target for the image reader (Sources/CImageIO/image_io.c): any bytes in, a
// decoded image or an error out; never a crash, a leak, or an allocation beyond what the
// pixel limit allows. Built and run by scripts/fuzz-images.
#include <stddef.h>
#include <stdint.h>

#include "image_io.h"

// A few megapixels: large enough for every code path, small enough that a declared size at
// the limit decodes within libFuzzer's memory limit.
#define FUZZ_MAX_PIXELS (4LL * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    image_io_image image;
    char message[256];
    int status = image_io_decode(data, size, FUZZ_MAX_PIXELS, &image, message, sizeof message);
    if (status == IMAGE_IO_OK) {
        // Touch every byte the reader says it returned.
        volatile unsigned sum = 0;
        size_t pixels = (size_t)image.width * image.height;
        for (size_t i = 0; i < pixels * 3; ++i) sum += image.rgb[i];
        if (image.alpha)
            for (size_t i = 0; i < pixels; ++i) sum += image.alpha[i];
        for (size_t i = 0; i < image.icc_size; ++i) sum += image.icc[i];
        (void)sum;
    }
    image_io_image_free(&image);
    return 0;
}
