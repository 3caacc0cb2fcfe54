// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "stylize-gpu",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "stylize-gpu", targets: ["stylize-gpu"]),
        .library(name: "StyleEngine", targets: ["StyleEngine"]),
        .library(name: "FastStyle", targets: ["FastStyle"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenCL and CLBlast C APIs (Debian: ocl-icd-opencl-dev, opencl-headers, libclblast-dev).
        .systemLibrary(name: "COpenCL", path: "Sources/COpenCL"),
        // libpng, libjpeg-turbo and libwebp C APIs (Debian: libpng-dev, libjpeg62-turbo-dev, libwebp-dev).
        .target(
            name: "CImageIO",
            linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg"), .linkedLibrary("webp")]),
        .target(name: "CLRuntime", dependencies: ["COpenCL"]),
        // Generates Swift string literals from kernels/*.cl so the binary needs no files beside it.
        .executableTarget(name: "KernelEmbedder", path: "Sources/KernelEmbedder"),
        .plugin(name: "EmbedKernels", capability: .buildTool(), dependencies: ["KernelEmbedder"]),
        .target(name: "Kernels", plugins: ["EmbedKernels"]),
        .target(name: "StyleEngine", dependencies: ["CLRuntime", "Kernels", "CImageIO", "COpenCL"]),
        // Feed-forward style networks (Johnson's transform net, multi-style CIN): their ops,
        // model files, apply and training, on the engine's sessions and kernels.
        .target(name: "FastStyle", dependencies: ["StyleEngine", "CLRuntime", "Kernels"]),
        .executableTarget(
            name: "stylize-gpu",
            dependencies: [
                "StyleEngine", "FastStyle", "CLRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The benchmark: FP32 vs FP16 loops, GEMM at VGG19's shapes, and a PyTorch peer.
        .executableTarget(
            name: "stylize-bench",
            dependencies: [
                "StyleEngine", "FastStyle", "CLRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/stylize-bench"),
        .testTarget(name: "CLRuntimeTests", dependencies: ["CLRuntime", "Kernels"]),
        // What the test targets share: deterministic inputs, the fast-model fixtures' model files.
        .target(name: "TestSupport", dependencies: ["FastStyle", "StyleEngine"], path: "Tests/TestSupport"),
        .testTarget(name: "StyleEngineTests", dependencies: ["StyleEngine", "CLRuntime", "Kernels", "TestSupport"]),
        .testTarget(
            name: "FastStyleTests", dependencies: ["FastStyle", "StyleEngine", "CLRuntime", "Kernels", "TestSupport"],
            // Read by path (#filePath), not bundled.
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
