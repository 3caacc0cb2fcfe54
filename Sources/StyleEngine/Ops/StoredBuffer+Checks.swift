extension StoredBuffer {
    /// Whether the buffer holds half bits.
    package var isHalf: Bool {
        if case .half = self { return true }
        return false
    }

    /// Stops a buffer whose storage is not the library's (a half buffer on an FP32 library,
    /// or a float one where a kernel reads storage_t as half).
    package func requireStorage(of library: KernelLibrary, _ role: String) {
        precondition(isHalf == (library.precision == .fp16), "\(role) is not stored in the library's precision")
    }

    /// Stops a buffer of fewer than `count` values.
    package func requireCount(_ count: Int, _ role: String) {
        precondition(self.count >= count, "\(role) holds \(self.count) values, \(count) needed")
    }
}
