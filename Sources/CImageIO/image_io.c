#include "image_io.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

static void set_message(char *message, size_t size, const char *text) {
    if (message && size) snprintf(message, size, "%s", text);
}

void image_io_free(void *pointer) { free(pointer); }

// ---------------------------------------------------------------- PNG

typedef struct {
    jmp_buf jump;
    char *message;
    size_t message_size;
} png_failure;

static void png_error_handler(png_structp png, png_const_charp text) {
    png_failure *failure = (png_failure *)png_get_error_ptr(png);
    set_message(failure->message, failure->message_size, text);
    longjmp(failure->jump, 1);
}

static void png_warning_handler(png_structp png, png_const_charp text) { (void)png; (void)text; }

static int read_png(FILE *file, unsigned char **pixels, int *width, int *height, char *message, size_t size) {
    png_failure failure = {.message = message, .message_size = size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, png_error_handler, png_warning_handler);
    if (!png) return IMAGE_IO_OUT_OF_MEMORY;
    png_infop info = png_create_info_struct(png);
    unsigned char *volatile image = NULL;
    png_bytep *volatile rows = NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    if (setjmp(failure.jump)) {
        free(image);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return IMAGE_IO_CORRUPT;
    }
    png_init_io(png, file);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    // Everything becomes 8-bit RGB: expand palettes and low bit depths, strip 16 bits and alpha.
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    png_read_update_info(png, info);
    if (w == 0 || h == 0 || png_get_rowbytes(png, info) != (size_t)w * 3) {
        set_message(message, size, "unexpected PNG layout");
        png_destroy_read_struct(&png, &info, NULL);
        return IMAGE_IO_CORRUPT;
    }
    image = malloc((size_t)w * h * 3);
    rows = malloc(sizeof(png_bytep) * h);
    if (!image || !rows) {
        free(image);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    for (png_uint_32 y = 0; y < h; ++y) rows[y] = image + (size_t)y * w * 3;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    *pixels = image;
    *width = (int)w;
    *height = (int)h;
    return IMAGE_IO_OK;
}

// ---------------------------------------------------------------- JPEG

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t message_size;
} jpeg_failure;

static void jpeg_error_exit(j_common_ptr info) {
    jpeg_failure *failure = (jpeg_failure *)info->err;
    char text[JMSG_LENGTH_MAX];
    info->err->format_message(info, text);
    set_message(failure->message, failure->message_size, text);
    longjmp(failure->jump, 1);
}

// Warnings are errors here: libjpeg pads a truncated file with grey and calls it a warning.
static void jpeg_emit_message(j_common_ptr info, int level) {
    if (level < 0) jpeg_error_exit(info);
}

static int read_jpeg(FILE *file, unsigned char **pixels, int *width, int *height, char *message, size_t size) {
    struct jpeg_decompress_struct info;
    jpeg_failure failure = {.message = message, .message_size = size};
    unsigned char *volatile image = NULL;
    unsigned char *volatile row = NULL;
    info.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = jpeg_error_exit;
    failure.base.emit_message = jpeg_emit_message;
    if (setjmp(failure.jump)) {
        free(image);
        free(row);
        jpeg_destroy_decompress(&info);
        return IMAGE_IO_CORRUPT;
    }
    jpeg_create_decompress(&info);
    jpeg_stdio_src(&info, file);
    jpeg_read_header(&info, TRUE);
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&info);
    int w = (int)info.output_width, h = (int)info.output_height, channels = info.output_components;
    image = malloc((size_t)w * h * 3);
    row = malloc((size_t)w * channels);
    if (!image || !row) {
        free(image);
        free(row);
        jpeg_destroy_decompress(&info);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    while (info.output_scanline < info.output_height) {
        int y = (int)info.output_scanline;
        JSAMPROW rows[1] = {row};
        jpeg_read_scanlines(&info, rows, 1);
        unsigned char *out = image + (size_t)y * w * 3;
        for (int x = 0; x < w; ++x) {
            if (cmyk) {
                // Adobe's CMYK JPEGs store inverted values: R = C·K / 255 with C, K as stored.
                int k = row[x * 4 + 3];
                for (int c = 0; c < 3; ++c) out[x * 3 + c] = (unsigned char)(row[x * 4 + c] * k / 255);
            } else {
                memcpy(out + x * 3, row + x * 3, 3);
            }
        }
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    free(row);
    *pixels = image;
    *width = w;
    *height = h;
    return IMAGE_IO_OK;
}

// ---------------------------------------------------------------- dispatch

int image_io_read(const char *path, unsigned char **pixels, int *width, int *height, char *message,
                  size_t message_size) {
    *pixels = NULL;
    FILE *file = fopen(path, "rb");
    if (!file) {
        set_message(message, message_size, strerror(errno));
        return IMAGE_IO_CANNOT_OPEN;
    }
    unsigned char magic[8] = {0};
    size_t got = fread(magic, 1, sizeof magic, file);
    if (got == 0) {
        fclose(file);
        set_message(message, message_size, "the file is empty");
        return IMAGE_IO_EMPTY;
    }
    rewind(file);
    int status;
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (got == 8 && memcmp(magic, png_magic, 8) == 0) {
        status = read_png(file, pixels, width, height, message, message_size);
    } else if (got >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
        status = read_jpeg(file, pixels, width, height, message, message_size);
    } else {
        set_message(message, message_size, "not a PNG or JPEG file");
        status = IMAGE_IO_UNSUPPORTED;
    }
    fclose(file);
    return status;
}

static int write_png(const char *path, const unsigned char *samples, int width, int height, int color_type,
                     int bit_depth, char *message, size_t size) {
    FILE *file = fopen(path, "wb");
    if (!file) {
        set_message(message, size, strerror(errno));
        return IMAGE_IO_CANNOT_WRITE;
    }
    png_failure failure = {.message = message, .message_size = size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, png_error_handler, png_warning_handler);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        fclose(file);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    if (setjmp(failure.jump)) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return IMAGE_IO_CANNOT_WRITE;
    }
    png_init_io(png, file);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color palette[256];
        for (int i = 0; i < 256; ++i) palette[i] = (png_color){(png_byte)i, (png_byte)(255 - i), (png_byte)(i / 2)};
        png_set_PLTE(png, info, palette, 256);
    }
    png_write_info(png, info);
    int channels = color_type == PNG_COLOR_TYPE_RGB ? 3 : color_type == PNG_COLOR_TYPE_RGBA ? 4
                 : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    size_t row_bytes = ((size_t)width * channels * bit_depth + 7) / 8;
    for (int y = 0; y < height; ++y) png_write_row(png, (png_const_bytep)(samples + (size_t)y * row_bytes));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(file) != 0) {
        set_message(message, size, strerror(errno));
        return IMAGE_IO_CANNOT_WRITE;
    }
    return IMAGE_IO_OK;
}

int image_io_write_png(const char *path, const unsigned char *pixels, int width, int height, char *message,
                       size_t message_size) {
    return write_png(path, pixels, width, height, PNG_COLOR_TYPE_RGB, 8, message, message_size);
}

int image_io_write_png_raw(const char *path, const unsigned char *samples, int width, int height, int color_type,
                           int bit_depth, char *message, size_t message_size) {
    return write_png(path, samples, width, height, color_type, bit_depth, message, message_size);
}

int image_io_write_jpeg(const char *path, const unsigned char *pixels, int width, int height, int channels,
                        int quality, char *message, size_t message_size) {
    FILE *file = fopen(path, "wb");
    if (!file) {
        set_message(message, message_size, strerror(errno));
        return IMAGE_IO_CANNOT_WRITE;
    }
    struct jpeg_compress_struct info;
    jpeg_failure failure = {.message = message, .message_size = message_size};
    info.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = jpeg_error_exit;
    if (setjmp(failure.jump)) {
        jpeg_destroy_compress(&info);
        fclose(file);
        return IMAGE_IO_CANNOT_WRITE;
    }
    jpeg_create_compress(&info);
    jpeg_stdio_dest(&info, file);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * width * channels);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    fclose(file);
    return IMAGE_IO_OK;
}
