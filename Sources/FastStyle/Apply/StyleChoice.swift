/// Which style of a model an apply uses, as the user names it: by index, by the name stored in
/// the model's metadata, or a blend of named (or numbered) styles with weights.
public enum StyleChoice: Sendable, Equatable, Codable {
    case index(Int)
    case named(String)
    case blend([BlendPart])

    public struct BlendPart: Sendable, Equatable, Codable {
        /// A style name from the model's metadata, or its index.
        public let style: String
        public let weight: Float

        public init(style: String, weight: Float) {
            self.style = style
            self.weight = weight
        }
    }

    /// The model's selection for this choice; throws `StyleChoiceError` naming what is wrong.
    public func selection(in model: TransformerModel) throws -> StyleSelection {
        func index(of style: String) throws -> Int {
            if let position = model.styleNames.firstIndex(of: style) { return position }
            if let number = Int(style), (0..<model.styleCount).contains(number) { return number }
            throw StyleChoiceError.unknownStyle(style, known: model.styleNames, count: model.styleCount)
        }
        let selection: StyleSelection
        switch self {
        case .index(let number): selection = .style(number)
        case .named(let name): selection = .style(try index(of: name))
        case .blend(let parts):
            var weights = [Float](repeating: 0, count: model.styleCount)
            for part in parts { weights[try index(of: part.style)] += part.weight }
            selection = .blend(weights)
        }
        let weights = try model.styleWeights(selection)
        if case .blend = selection { return .blend(weights) }
        return selection
    }
}
