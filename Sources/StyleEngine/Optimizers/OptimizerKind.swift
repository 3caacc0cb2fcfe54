public enum OptimizerKind: String, Sendable, CaseIterable, Codable {
    case lbfgs, adam
}
