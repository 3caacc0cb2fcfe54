/// One named parameter of a model: row-major values and their shape.
public struct ModelTensor: Sendable, Equatable {
    public let shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }
}
