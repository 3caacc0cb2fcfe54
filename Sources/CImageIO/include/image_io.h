// PNG, JPEG and WebP decoding to 8-bit RGB (plus alpha, ICC profile, EXIF orientation
// applied) and encoding, with libpng's and libjpeg's setjmp/longjmp error handling kept on
// the C side (Swift cannot use setjmp).
#ifndef STYLIZE_IMAGE_IO_H
#define STYLIZE_IMAGE_IO_H

#include <stddef.h>

enum {
    IMAGE_IO_OK = 0,
    IMAGE_IO_CANNOT_OPEN = 1,      // errno says why
    IMAGE_IO_EMPTY = 2,            // zero-byte file
    IMAGE_IO_UNSUPPORTED = 3,      // neither PNG, JPEG nor WebP
    IMAGE_IO_CORRUPT = 4,          // the decoder's message is in `message`
    IMAGE_IO_OUT_OF_MEMORY = 5,
    IMAGE_IO_CANNOT_WRITE = 6,     // errno or the encoder's message
    IMAGE_IO_TOO_MANY_PIXELS = 7,  // the header declares more pixels than allowed; width/height set
};

enum { IMAGE_IO_PNG = 0, IMAGE_IO_JPEG = 1, IMAGE_IO_WEBP = 2 };

// A decoded image. `rgb` holds width·height·3 bytes: colour composited onto the neutral
// background (IMAGE_IO_BACKGROUND_*) where the image has alpha; `alpha` width·height bytes
// or NULL when the image has no alpha channel; `icc` the embedded ICC profile or NULL.
// The EXIF orientation (JPEG APP1, PNG eXIf) is already applied: `orientation` is what the
// file said (1–8; 1 when absent). Free with image_io_image_free.
typedef struct {
    unsigned char *rgb;
    unsigned char *alpha;
    unsigned char *icc;
    size_t icc_size;
    int width;
    int height;
    int orientation;
    int format;
} image_io_image;

// The background transparent pixels are composited onto: ImageNet's mean colour, which the
// network sees as zero.
#define IMAGE_IO_BACKGROUND_R 124
#define IMAGE_IO_BACKGROUND_G 117
#define IMAGE_IO_BACKGROUND_B 104

// Decodes a PNG (any bit depth and colour type), a JPEG (gray, RGB, CMYK) or a WebP (still)
// from memory. An image whose header declares more than max_pixels pixels is refused with
// IMAGE_IO_TOO_MANY_PIXELS before any pixel is decoded (width and height hold what it
// declared). `message` gets a one-line reason.
int image_io_decode(const unsigned char *data, size_t size, long long max_pixels, image_io_image *image,
                    char *message, size_t message_size);

// Reads a whole file and decodes it (image_io_decode).
int image_io_read_file(const char *path, long long max_pixels, image_io_image *image, char *message,
                       size_t message_size);

void image_io_image_free(image_io_image *image);

// Writes interleaved 8-bit RGB (and alpha unless NULL; JPEG has none) as `format`, with the
// ICC profile unless NULL (PNG iCCP, JPEG APP2; WebP: not written). `quality` 1–100 for
// JPEG; WebP is lossless. `exif_orientation` 2–8 writes an EXIF orientation tag (JPEG APP1,
// PNG eXIf; tests make phone photos with it), 0 or 1 writes none.
int image_io_write(const char *path, int format, const unsigned char *rgb, const unsigned char *alpha, int width,
                   int height, const unsigned char *icc, size_t icc_size, int quality, int exif_orientation,
                   char *message, size_t message_size);

// Writes interleaved 8-bit RGB as an 8-bit RGB PNG.
int image_io_write_png(const char *path, const unsigned char *pixels, int width, int height,
                       char *message, size_t message_size);

// Test helper: writes a PNG of the given libpng colour type (0 gray, 2 RGB, 3 palette,
// 4 gray+alpha, 6 RGBA) and bit depth from `samples` (channels per pixel of that type,
// 16-bit samples as big-endian pairs; palette: indices, with a fixed 256-entry palette
// where entry i is (i, 255 - i, i / 2)).
int image_io_write_png_raw(const char *path, const unsigned char *samples, int width, int height,
                           int color_type, int bit_depth, char *message, size_t message_size);

// Test helper: writes interleaved RGB (or gray when channels is 1) as a JPEG.
int image_io_write_jpeg(const char *path, const unsigned char *pixels, int width, int height,
                        int channels, int quality, char *message, size_t message_size);

void image_io_free(void *pointer);

#endif
