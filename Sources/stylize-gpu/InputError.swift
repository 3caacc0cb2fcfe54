/// A bad option value: printed as one line (`Error: …`), without the usage text that
/// ArgumentParser appends to a `ValidationError`, so scripts can show it as it is.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
