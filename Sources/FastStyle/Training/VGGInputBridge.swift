import CLRuntime
import StyleEngine

/// Between a transform network's images and VGG19's input, for the training loss.
///
/// forward: image `index` of `rgb` [N×3×H×W, RGB on 0–255] → `vgg` [3×H×W, BGR minus the
/// ImageNet mean] (overwrites vgg). backward: ∂L/∂vgg [3×H×W] → ∂L/∂rgb of image `index`
/// (overwrites that image's part of gradRGB, the other images' untouched).
public enum VGGInputBridge {
    public static func forward(
        library: KernelLibrary, rgb: Buffer<Float>, index: Int, height: Int, width: Int, vgg: Buffer<Float>
    ) throws {
        let plane = height * width
        let mean = PixelConvention.bgrMean
        try library.kernel("vgg_input", "rgb_to_vgg").enqueue(
            on: library.queue, global: [plane], plane, index * 3 * plane, rgb, vgg, mean[0], mean[1], mean[2])
    }

    public static func backward(
        library: KernelLibrary, gradVGG: Buffer<Float>, index: Int, height: Int, width: Int, gradRGB: Buffer<Float>
    ) throws {
        let plane = height * width
        try library.kernel("vgg_input", "vgg_to_rgb_gradient").enqueue(
            on: library.queue, global: [plane], plane, index * 3 * plane, gradVGG, gradRGB)
    }
}
