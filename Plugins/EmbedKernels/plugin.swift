import Foundation
import PackagePlugin

/// Embeds every `kernels/*.cl` file of the package into the `Kernels` target as a Swift
/// string literal, so the built binary carries its OpenCL sources.
@main
struct EmbedKernels: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let kernelDirectory = context.package.directoryURL.appending(path: "kernels")
        let sources = try FileManager.default
            .contentsOfDirectory(at: kernelDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "cl" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKernelSources.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(sources.count) OpenCL kernel files",
                executable: try context.tool(named: "KernelEmbedder").url,
                arguments: [output.path] + sources.map(\.path),
                inputFiles: sources,
                outputFiles: [output])
        ]
    }
}
