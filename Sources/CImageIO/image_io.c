#include "image_io.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <webp/decode.h>
#include <webp/encode.h>

static void set_message(char *message, size_t size, const char *text) {
    if (message && size) snprintf(message, size, "%s", text);
}

void image_io_free(void *pointer) { free(pointer); }

void image_io_image_free(image_io_image *image) {
    if (!image) return;
    free(image->rgb);
    free(image->alpha);
    free(image->icc);
    memset(image, 0, sizeof *image);
}

static int too_many_pixels(image_io_image *image, unsigned long long width, unsigned long long height,
                           long long max_pixels, char *message, size_t size) {
    image->width = width > 0x7fffffff ? 0x7fffffff : (int)width;
    image->height = height > 0x7fffffff ? 0x7fffffff : (int)height;
    char text[160];
    snprintf(text, sizeof text, "declares %llu×%llu = %llu pixels, more than the limit of %lld", width, height,
             width * height, max_pixels);
    set_message(message, size, text);
    return IMAGE_IO_TOO_MANY_PIXELS;
}

// ---------------------------------------------------------------- EXIF orientation

static unsigned read16(const unsigned char *p, int big) { return big ? (p[0] << 8 | p[1]) : (p[1] << 8 | p[0]); }
static uint32_t read32(const unsigned char *p, int big) {
    return big ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
               : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

// The orientation tag (0x0112) of IFD0 of a TIFF structure; 1 when absent or malformed.
static int tiff_orientation(const unsigned char *tiff, size_t size) {
    if (size < 8) return 1;
    int big;
    if (tiff[0] == 'I' && tiff[1] == 'I') big = 0;
    else if (tiff[0] == 'M' && tiff[1] == 'M') big = 1;
    else return 1;
    if (read16(tiff + 2, big) != 42) return 1;
    uint32_t ifd = read32(tiff + 4, big);
    if (ifd > size || size - ifd < 2) return 1;
    unsigned count = read16(tiff + ifd, big);
    for (unsigned i = 0; i < count; ++i) {
        size_t entry = (size_t)ifd + 2 + (size_t)i * 12;
        if (entry + 12 > size) return 1;
        if (read16(tiff + entry, big) == 0x0112 && read16(tiff + entry + 2, big) == 3) {
            unsigned value = read16(tiff + entry + 8, big);
            return value >= 1 && value <= 8 ? (int)value : 1;
        }
    }
    return 1;
}

// Applies orientation 2–8 to `channels`-byte pixels in *buffer (replaced); swaps the size for 5–8.
static int apply_orientation(unsigned char **buffer, int channels, int *width, int *height, int orientation) {
    if (orientation <= 1 || orientation > 8 || !*buffer) return 1;
    int w = *width, h = *height;
    int swap = orientation >= 5;
    int ow = swap ? h : w, oh = swap ? w : h;
    unsigned char *out = malloc((size_t)w * h * channels);
    if (!out) return 0;
    for (int dy = 0; dy < oh; ++dy) {
        for (int dx = 0; dx < ow; ++dx) {
            int sx, sy;
            switch (orientation) {
                case 2: sx = w - 1 - dx; sy = dy; break;
                case 3: sx = w - 1 - dx; sy = h - 1 - dy; break;
                case 4: sx = dx; sy = h - 1 - dy; break;
                case 5: sx = dy; sy = dx; break;
                case 6: sx = dy; sy = h - 1 - dx; break;
                case 7: sx = w - 1 - dy; sy = h - 1 - dx; break;
                default: sx = w - 1 - dy; sy = dx; break;  // 8
            }
            memcpy(out + ((size_t)dy * ow + dx) * channels, *buffer + ((size_t)sy * w + sx) * channels, channels);
        }
    }
    free(*buffer);
    *buffer = out;
    *width = ow;
    *height = oh;
    return 1;
}

// Splits interleaved RGBA into RGB composited onto the background and an alpha plane (NULL
// when every pixel is opaque). Frees `rgba`.
static int split_alpha(unsigned char *rgba, size_t pixels, image_io_image *image) {
    unsigned char *rgb = malloc(pixels * 3);
    unsigned char *alpha = malloc(pixels);
    if (!rgb || !alpha) {
        free(rgb);
        free(alpha);
        free(rgba);
        return 0;
    }
    static const int background[3] = {IMAGE_IO_BACKGROUND_R, IMAGE_IO_BACKGROUND_G, IMAGE_IO_BACKGROUND_B};
    int opaque = 1;
    for (size_t i = 0; i < pixels; ++i) {
        int a = rgba[i * 4 + 3];
        alpha[i] = (unsigned char)a;
        if (a != 255) opaque = 0;
        for (int c = 0; c < 3; ++c) rgb[i * 3 + c] = (unsigned char)((rgba[i * 4 + c] * a + background[c] * (255 - a) + 127) / 255);
    }
    free(rgba);
    image->rgb = rgb;
    if (opaque) free(alpha);
    else image->alpha = alpha;
    return 1;
}

// ---------------------------------------------------------------- PNG

typedef struct {
    jmp_buf jump;
    char *message;
    size_t message_size;
    const unsigned char *data;
    size_t size;
    size_t offset;
} png_failure;

static void png_error_handler(png_structp png, png_const_charp text) {
    png_failure *failure = (png_failure *)png_get_error_ptr(png);
    set_message(failure->message, failure->message_size, text);
    longjmp(failure->jump, 1);
}

static void png_warning_handler(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void png_memory_read(png_structp png, png_bytep out, png_size_t count) {
    png_failure *failure = (png_failure *)png_get_io_ptr(png);
    if (count > failure->size - failure->offset) png_error(png, "unexpected end of file");
    memcpy(out, failure->data + failure->offset, count);
    failure->offset += count;
}

static int decode_png(const unsigned char *data, size_t size, long long max_pixels, image_io_image *image,
                      char *message, size_t message_size) {
    png_failure failure = {.message = message, .message_size = message_size, .data = data, .size = size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &failure, png_error_handler, png_warning_handler);
    if (!png) return IMAGE_IO_OUT_OF_MEMORY;
    png_infop info = png_create_info_struct(png);
    png_infop end = png_create_info_struct(png);
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (!info || !end) {
        png_destroy_read_struct(&png, &info, &end);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    if (setjmp(failure.jump)) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, &end);
        return IMAGE_IO_CORRUPT;
    }
    png_set_read_fn(png, &failure, png_memory_read);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if ((unsigned long long)w * h > (unsigned long long)max_pixels) {
        int status = too_many_pixels(image, w, h, max_pixels, message, message_size);
        png_destroy_read_struct(&png, &info, &end);
        return status;
    }
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    int has_alpha = (color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
    // Everything becomes 8-bit RGB (RGBA where there is alpha or transparency).
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = has_alpha ? 4 : 3;
    if (w == 0 || h == 0 || png_get_rowbytes(png, info) != (size_t)w * channels) {
        set_message(message, message_size, "unexpected PNG layout");
        png_destroy_read_struct(&png, &info, &end);
        return IMAGE_IO_CORRUPT;
    }
    pixels = malloc((size_t)w * h * channels);
    rows = malloc(sizeof(png_bytep) * h);
    if (!pixels || !rows) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, &end);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    for (png_uint_32 y = 0; y < h; ++y) rows[y] = pixels + (size_t)y * w * channels;
    png_read_image(png, rows);
    png_read_end(png, end);
    free(rows);
    rows = NULL;

    png_charp name;
    int compression;
    png_bytep profile;
    png_uint_32 profile_size;
    if (png_get_iCCP(png, info, &name, &compression, &profile, &profile_size) && profile_size > 0) {
        image->icc = malloc(profile_size);
        if (image->icc) {
            memcpy(image->icc, profile, profile_size);
            image->icc_size = profile_size;
        }
    }
    png_bytep exif = NULL;
    png_uint_32 exif_size = 0;
    image->orientation = 1;
    if (png_get_eXIf_1(png, info, &exif_size, &exif) || png_get_eXIf_1(png, end, &exif_size, &exif)) {
        image->orientation = tiff_orientation(exif, exif_size);
    }
    png_destroy_read_struct(&png, &info, &end);
    int width = (int)w, height = (int)h;
    unsigned char *buffer = pixels;
    if (!apply_orientation(&buffer, channels, &width, &height, image->orientation)) {
        free(buffer);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    image->width = width;
    image->height = height;
    if (has_alpha) {
        if (!split_alpha(buffer, (size_t)width * height, image)) return IMAGE_IO_OUT_OF_MEMORY;
    } else {
        image->rgb = buffer;
    }
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

static int decode_jpeg(const unsigned char *data, size_t size, long long max_pixels, image_io_image *image,
                       char *message, size_t message_size) {
    struct jpeg_decompress_struct info;
    jpeg_failure failure = {.message = message, .message_size = message_size};
    unsigned char *volatile pixels = NULL;
    unsigned char *volatile row = NULL;
    info.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = jpeg_error_exit;
    failure.base.emit_message = jpeg_emit_message;
    if (setjmp(failure.jump)) {
        free(pixels);
        free(row);
        jpeg_destroy_decompress(&info);
        return IMAGE_IO_CORRUPT;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_save_markers(&info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_save_markers(&info, JPEG_APP0 + 2, 0xFFFF);
    jpeg_read_header(&info, TRUE);
    if ((unsigned long long)info.image_width * info.image_height > (unsigned long long)max_pixels) {
        int status = too_many_pixels(image, info.image_width, info.image_height, max_pixels, message, message_size);
        jpeg_destroy_decompress(&info);
        return status;
    }
    // libjpeg's own buffers (a progressive file's coefficients: 2 bytes per sample) stay
    // within what an image of the allowed size needs; beyond, it fails instead of allocating.
    info.mem->max_memory_to_use = (long)((unsigned long long)info.image_width * info.image_height * 8 + (64 << 20));
    image->orientation = 1;
    for (jpeg_saved_marker_ptr marker = info.marker_list; marker; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length > 6 && memcmp(marker->data, "Exif\0\0", 6) == 0) {
            image->orientation = tiff_orientation(marker->data + 6, marker->data_length - 6);
            break;
        }
    }
    JOCTET *profile = NULL;
    unsigned int profile_size = 0;
    if (jpeg_read_icc_profile(&info, &profile, &profile_size) && profile && profile_size > 0) {
        image->icc = profile;
        image->icc_size = profile_size;
    } else {
        free(profile);
    }
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&info);
    int w = (int)info.output_width, h = (int)info.output_height, channels = info.output_components;
    if (w <= 0 || h <= 0 || channels != (cmyk ? 4 : 3)) {
        set_message(message, message_size, "unexpected JPEG layout");
        jpeg_destroy_decompress(&info);
        return IMAGE_IO_CORRUPT;
    }
    pixels = malloc((size_t)w * h * 3);
    row = malloc((size_t)w * channels);
    if (!pixels || !row) {
        free(pixels);
        free(row);
        jpeg_destroy_decompress(&info);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    while (info.output_scanline < info.output_height) {
        int y = (int)info.output_scanline;
        JSAMPROW rows[1] = {row};
        if (jpeg_read_scanlines(&info, rows, 1) != 1) {
            set_message(message, message_size, "no scanline decoded");
            free(pixels);
            free(row);
            jpeg_destroy_decompress(&info);
            return IMAGE_IO_CORRUPT;
        }
        unsigned char *out = pixels + (size_t)y * w * 3;
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
    unsigned char *buffer = pixels;
    if (!apply_orientation(&buffer, 3, &w, &h, image->orientation)) {
        free(buffer);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    image->rgb = buffer;
    image->width = w;
    image->height = h;
    return IMAGE_IO_OK;
}

// ---------------------------------------------------------------- WebP

static int decode_webp(const unsigned char *data, size_t size, long long max_pixels, image_io_image *image,
                       char *message, size_t message_size) {
    WebPBitstreamFeatures features;
    if (WebPGetFeatures(data, size, &features) != VP8_STATUS_OK) {
        set_message(message, message_size, "bad WebP header");
        return IMAGE_IO_CORRUPT;
    }
    if (features.width <= 0 || features.height <= 0) {
        set_message(message, message_size, "bad WebP size");
        return IMAGE_IO_CORRUPT;
    }
    if ((unsigned long long)features.width * features.height > (unsigned long long)max_pixels) {
        return too_many_pixels(image, features.width, features.height, max_pixels, message, message_size);
    }
    if (features.has_animation) {
        set_message(message, message_size, "animated WebP is not supported");
        return IMAGE_IO_CORRUPT;
    }
    int channels = features.has_alpha ? 4 : 3;
    size_t stride = (size_t)features.width * channels, bytes = stride * features.height;
    unsigned char *pixels = malloc(bytes);
    if (!pixels) return IMAGE_IO_OUT_OF_MEMORY;
    uint8_t *decoded = features.has_alpha ? WebPDecodeRGBAInto(data, size, pixels, bytes, (int)stride)
                                          : WebPDecodeRGBInto(data, size, pixels, bytes, (int)stride);
    if (!decoded) {
        free(pixels);
        set_message(message, message_size, "WebP data does not decode");
        return IMAGE_IO_CORRUPT;
    }
    image->orientation = 1;
    image->width = features.width;
    image->height = features.height;
    if (features.has_alpha) {
        if (!split_alpha(pixels, (size_t)features.width * features.height, image)) return IMAGE_IO_OUT_OF_MEMORY;
    } else {
        image->rgb = pixels;
    }
    return IMAGE_IO_OK;
}

// ---------------------------------------------------------------- dispatch

int image_io_decode(const unsigned char *data, size_t size, long long max_pixels, image_io_image *image,
                    char *message, size_t message_size) {
    memset(image, 0, sizeof *image);
    if (size == 0) {
        set_message(message, message_size, "the file is empty");
        return IMAGE_IO_EMPTY;
    }
    if (max_pixels < 1) max_pixels = 1;
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    int status;
    if (size >= 8 && memcmp(data, png_magic, 8) == 0) {
        image->format = IMAGE_IO_PNG;
        status = decode_png(data, size, max_pixels, image, message, message_size);
    } else if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
        image->format = IMAGE_IO_JPEG;
        status = decode_jpeg(data, size, max_pixels, image, message, message_size);
    } else if (size >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0) {
        image->format = IMAGE_IO_WEBP;
        status = decode_webp(data, size, max_pixels, image, message, message_size);
    } else {
        set_message(message, message_size, "not a PNG, JPEG or WebP file");
        return IMAGE_IO_UNSUPPORTED;
    }
    if (status != IMAGE_IO_OK) {
        int width = image->width, height = image->height;
        image_io_image_free(image);
        if (status == IMAGE_IO_TOO_MANY_PIXELS) {
            image->width = width;
            image->height = height;
        }
    }
    return status;
}

int image_io_read_file(const char *path, long long max_pixels, image_io_image *image, char *message,
                       size_t message_size) {
    memset(image, 0, sizeof *image);
    FILE *file = fopen(path, "rb");
    if (!file) {
        set_message(message, message_size, strerror(errno));
        return IMAGE_IO_CANNOT_OPEN;
    }
    size_t capacity = 1 << 16, size = 0;
    unsigned char *data = malloc(capacity);
    while (data) {
        size_t got = fread(data + size, 1, capacity - size, file);
        size += got;
        if (got == 0 || size < capacity) {
            if (ferror(file)) {
                set_message(message, message_size, strerror(errno));
                free(data);
                fclose(file);
                return IMAGE_IO_CANNOT_OPEN;
            }
            if (feof(file)) break;
            continue;
        }
        unsigned char *grown = realloc(data, capacity * 2);
        if (!grown) {
            free(data);
            data = NULL;
            break;
        }
        data = grown;
        capacity *= 2;
    }
    fclose(file);
    if (!data) return IMAGE_IO_OUT_OF_MEMORY;
    int status = image_io_decode(data, size, max_pixels, image, message, message_size);
    free(data);
    return status;
}

// ---------------------------------------------------------------- writing

// A big-endian TIFF with one IFD entry: the orientation.
static void exif_orientation_tiff(unsigned char tiff[26], int orientation) {
    static const unsigned char header[26] = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
                                             0, 0, 0, 0, 0, 0, 0, 0};
    memcpy(tiff, header, 26);
    tiff[19] = (unsigned char)orientation;
}

static int write_file(const char *path, const unsigned char *bytes, size_t size, char *message, size_t message_size) {
    FILE *file = fopen(path, "wb");
    if (!file) {
        set_message(message, message_size, strerror(errno));
        return IMAGE_IO_CANNOT_WRITE;
    }
    size_t written = fwrite(bytes, 1, size, file);
    int failed = written != size;
    if (fclose(file) != 0) failed = 1;
    if (failed) {
        set_message(message, message_size, strerror(errno));
        return IMAGE_IO_CANNOT_WRITE;
    }
    return IMAGE_IO_OK;
}

static unsigned char *interleave(const unsigned char *rgb, const unsigned char *alpha, size_t pixels) {
    unsigned char *rgba = malloc(pixels * 4);
    if (!rgba) return NULL;
    for (size_t i = 0; i < pixels; ++i) {
        memcpy(rgba + i * 4, rgb + i * 3, 3);
        rgba[i * 4 + 3] = alpha[i];
    }
    return rgba;
}

static int write_png_image(const char *path, const unsigned char *rgb, const unsigned char *alpha, int width,
                           int height, const unsigned char *icc, size_t icc_size, int orientation, char *message,
                           size_t size) {
    unsigned char *volatile rgba = NULL;
    if (alpha && !(rgba = interleave(rgb, alpha, (size_t)width * height))) return IMAGE_IO_OUT_OF_MEMORY;
    FILE *file = fopen(path, "wb");
    if (!file) {
        free(rgba);
        set_message(message, size, strerror(errno));
        return IMAGE_IO_CANNOT_WRITE;
    }
    png_failure failure = {.message = message, .message_size = size};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, png_error_handler, png_warning_handler);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        fclose(file);
        free(rgba);
        return IMAGE_IO_OUT_OF_MEMORY;
    }
    if (setjmp(failure.jump)) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        free(rgba);
        return IMAGE_IO_CANNOT_WRITE;
    }
    // A profile libpng finds invalid is left out (a warning) rather than failing the write.
    png_set_benign_errors(png, 1);
    png_init_io(png, file);
    int channels = rgba ? 4 : 3;
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, rgba ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (icc && icc_size > 0 && icc_size < 0x7fffffff)
        png_set_iCCP(png, info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, icc, (png_uint_32)icc_size);
    unsigned char tiff[26];
    if (orientation >= 2 && orientation <= 8) {
        exif_orientation_tiff(tiff, orientation);
        png_set_eXIf_1(png, info, sizeof tiff, tiff);
    }
    png_write_info(png, info);
    const unsigned char *samples = rgba ? rgba : rgb;
    for (int y = 0; y < height; ++y) png_write_row(png, (png_const_bytep)(samples + (size_t)y * width * channels));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rgba);
    if (fclose(file) != 0) {
        set_message(message, size, strerror(errno));
        return IMAGE_IO_CANNOT_WRITE;
    }
    return IMAGE_IO_OK;
}

static int write_jpeg_image(const char *path, const unsigned char *pixels, int width, int height, int channels,
                            const unsigned char *icc, size_t icc_size, int quality, int orientation, char *message,
                            size_t message_size) {
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
    jpeg_set_quality(&info, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    if (orientation >= 2 && orientation <= 8) {
        unsigned char exif[32] = {'E', 'x', 'i', 'f', 0, 0};
        exif_orientation_tiff(exif + 6, orientation);
        jpeg_write_marker(&info, JPEG_APP0 + 1, exif, 32);
    }
    if (icc && icc_size > 0 && icc_size < 0x7fffffff) jpeg_write_icc_profile(&info, icc, (unsigned int)icc_size);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * width * channels);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    if (fclose(file) != 0) {
        set_message(message, message_size, strerror(errno));
        return IMAGE_IO_CANNOT_WRITE;
    }
    return IMAGE_IO_OK;
}

static int write_webp_image(const char *path, const unsigned char *rgb, const unsigned char *alpha, int width,
                            int height, char *message, size_t message_size) {
    uint8_t *encoded = NULL;
    size_t size;
    if (alpha) {
        unsigned char *rgba = interleave(rgb, alpha, (size_t)width * height);
        if (!rgba) return IMAGE_IO_OUT_OF_MEMORY;
        size = WebPEncodeLosslessRGBA(rgba, width, height, width * 4, &encoded);
        free(rgba);
    } else {
        size = WebPEncodeLosslessRGB(rgb, width, height, width * 3, &encoded);
    }
    if (size == 0 || !encoded) {
        WebPFree(encoded);
        set_message(message, message_size, "the WebP encoder failed (WebP images are at most 16383 px a side)");
        return IMAGE_IO_CANNOT_WRITE;
    }
    int status = write_file(path, encoded, size, message, message_size);
    WebPFree(encoded);
    return status;
}

int image_io_write(const char *path, int format, const unsigned char *rgb, const unsigned char *alpha, int width,
                   int height, const unsigned char *icc, size_t icc_size, int quality, int exif_orientation,
                   char *message, size_t message_size) {
    switch (format) {
        case IMAGE_IO_JPEG:
            return write_jpeg_image(path, rgb, width, height, 3, icc, icc_size, quality, exif_orientation, message,
                                    message_size);
        case IMAGE_IO_WEBP: return write_webp_image(path, rgb, alpha, width, height, message, message_size);
        default:
            return write_png_image(path, rgb, alpha, width, height, icc, icc_size, exif_orientation, message,
                                   message_size);
    }
}

int image_io_write_png(const char *path, const unsigned char *pixels, int width, int height, char *message,
                       size_t message_size) {
    return write_png_image(path, pixels, NULL, width, height, NULL, 0, 0, message, message_size);
}

int image_io_write_jpeg(const char *path, const unsigned char *pixels, int width, int height, int channels,
                        int quality, char *message, size_t message_size) {
    return write_jpeg_image(path, pixels, width, height, channels, NULL, 0, quality, 0, message, message_size);
}

// ---------------------------------------------------------------- raw PNG (tests)

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

int image_io_write_png_raw(const char *path, const unsigned char *samples, int width, int height, int color_type,
                           int bit_depth, char *message, size_t message_size) {
    return write_png(path, samples, width, height, color_type, bit_depth, message, message_size);
}

