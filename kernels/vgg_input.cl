// Between a transform network's images (RGB on 0–255, planar, one image at `offset` floats into
// its buffer) and VGG19's input (BGR minus the ImageNet mean): the trainer's bridge.

// vgg[c][i] = rgb[2 - c][i] - mean[c], over the `plane` = H·W positions of one image. Overwrites vgg.
__kernel void rgb_to_vgg(const int plane, const int offset, __global const float* rgb, __global float* vgg,
                         const float mean_b, const float mean_g, const float mean_r) {
    const int i = get_global_id(0);
    if (i >= plane) return;
    __global const float* image = rgb + offset;
    vgg[i] = image[2 * plane + i] - mean_b;
    vgg[plane + i] = image[plane + i] - mean_g;
    vgg[2 * plane + i] = image[i] - mean_r;
}

// The backward: grad_rgb[2 - c][i] = grad_vgg[c][i] for one image at `offset`. Overwrites it.
__kernel void vgg_to_rgb_gradient(const int plane, const int offset, __global const float* grad_vgg,
                                  __global float* grad_rgb) {
    const int i = get_global_id(0);
    if (i >= plane) return;
    __global float* image = grad_rgb + offset;
    image[2 * plane + i] = grad_vgg[i];
    image[plane + i] = grad_vgg[plane + i];
    image[i] = grad_vgg[2 * plane + i];
}
