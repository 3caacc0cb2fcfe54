// PNG and JPEG decoding to 8-bit RGB and PNG encoding, with libpng's and libjpeg's
// setjmp/longjmp error handling kept on the C side (Swift cannot use setjmp).
#ifndef STYLIZE_IMAGE_IO_H
#define STYLIZE_IMAGE_IO_H

#include <stddef.h>

enum {
    IMAGE_IO_OK = 0,
    IMAGE_IO_CANNOT_OPEN = 1,      // errno says why
    IMAGE_IO_EMPTY = 2,            // zero-byte file
    IMAGE_IO_UNSUPPORTED = 3,      // neither PNG nor JPEG
    IMAGE_IO_CORRUPT = 4,          // the decoder's message is in `message`
    IMAGE_IO_OUT_OF_MEMORY = 5,
    IMAGE_IO_CANNOT_WRITE = 6,     // errno or the encoder's message
};

// Decodes a PNG (any bit depth and colour type; alpha dropped) or a JPEG (gray, RGB,
// CMYK) into interleaved 8-bit RGB. On success *pixels is malloc'ed (free with
// image_io_free) and holds width·height·3 bytes. `message` gets a one-line reason.
int image_io_read(const char *path, unsigned char **pixels, int *width, int *height,
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
