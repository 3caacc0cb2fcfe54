import ArgumentParser

/// The options every command that touches a device shares.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: "Index of the OpenCL device to use, as `stylize-gpu devices` lists them.")
    var device: Int?

    func validate() throws {
        if let device, device < 0 { throw InputError("--device must be 0 or more, not \(device)") }
    }
}
