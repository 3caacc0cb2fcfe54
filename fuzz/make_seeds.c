// Writes the fuzzer's seed corpus: small PNGs (RGB, RGBA with an ICC profile and an EXIF
// orientation, palette, gray 16-bit, interlacing left to libpng's defaults), JPEGs (RGB with
// EXIF orientation 6 and an ICC profile, gray) and WebPs (RGB, RGBA), through the same
// library calls the engine writes with. Usage: make_seeds DIR
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_io.h"

static void icc_profile(unsigned char profile[164]) {
    static const unsigned char tags[36] = {0, 0, 0, 1, 'w', 't', 'p', 't', 0, 0, 0, 144, 0, 0, 0, 20,
                                           'X', 'Y', 'Z', ' ', 0, 0, 0, 0, 0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D};
    memset(profile, 0, 164);
    memcpy(profile + 128, tags, 36);
    profile[3] = 164;
    memcpy(profile + 12, "mntrRGB XYZ ", 12);
    profile[8] = 2; profile[9] = 0x10;
    memcpy(profile + 36, "acsp", 4);
    static const unsigned char d50[12] = {0, 0, 0xF6, 0xD6, 0, 1, 0, 0, 0, 0, 0xD3, 0x2D};
    memcpy(profile + 68, d50, 12);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: make_seeds DIR\n"); return 2; }
    enum { W = 13, H = 7 };
    unsigned char rgb[W * H * 3], alpha[W * H], gray16[W * H * 2], indices[W * H];
    for (int i = 0; i < W * H; ++i) {
        rgb[i * 3] = (unsigned char)(i * 7); rgb[i * 3 + 1] = (unsigned char)(i * 13); rgb[i * 3 + 2] = (unsigned char)(255 - i);
        alpha[i] = (unsigned char)(i * 3);
        gray16[i * 2] = (unsigned char)i; gray16[i * 2 + 1] = 0x55;
        indices[i] = (unsigned char)(i * 5);
    }
    unsigned char profile[164];
    icc_profile(profile);
    char path[4096], message[256];
    int failures = 0;
#define SEED(name, call) do { snprintf(path, sizeof path, "%s/%s", argv[1], name); \
    if ((call) != IMAGE_IO_OK) { fprintf(stderr, "%s: %s\n", name, message); failures++; } } while (0)
    SEED("rgb.png", image_io_write(path, IMAGE_IO_PNG, rgb, NULL, W, H, NULL, 0, 90, 0, message, sizeof message));
    SEED("rgba-icc-exif.png", image_io_write(path, IMAGE_IO_PNG, rgb, alpha, W, H, profile, sizeof profile, 90, 6, message, sizeof message));
    SEED("palette.png", image_io_write_png_raw(path, indices, W, H, 3, 8, message, sizeof message));
    SEED("gray16.png", image_io_write_png_raw(path, gray16, W, H, 0, 16, message, sizeof message));
    SEED("rgb-exif-icc.jpg", image_io_write(path, IMAGE_IO_JPEG, rgb, NULL, W, H, profile, sizeof profile, 80, 6, message, sizeof message));
    SEED("gray.jpg", image_io_write_jpeg(path, indices, W, H, 1, 75, message, sizeof message));
    SEED("rgb.webp", image_io_write(path, IMAGE_IO_WEBP, rgb, NULL, W, H, NULL, 0, 90, 0, message, sizeof message));
    SEED("rgba.webp", image_io_write(path, IMAGE_IO_WEBP, rgb, alpha, W, H, NULL, 0, 90, 0, message, sizeof message));
    return failures ? 1 : 0;
}
