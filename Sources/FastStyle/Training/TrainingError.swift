/// Why a training run cannot start or go on; each reads as one line.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case noPhotoFolder(String)
    case noPhotos(String)
    case photoTooSmall(path: String, width: Int, height: Int, side: Int)
    case noCheckpoint(String)
    case checkpointMismatch(path: String, reason: String)
    case damagedCheckpoint(path: String, reason: String)
    case nonFiniteLoss(step: Int)

    public var description: String {
        switch self {
        case .noPhotoFolder(let path): "--images \(path) is not a folder"
        case .noPhotos(let path): "--images \(path) holds no PNG, JPEG or WebP photo"
        case .photoTooSmall(let path, let width, let height, let side):
            "photo \(path) is \(width)×\(height): crops of \(side) px need at least that on each side"
        case .noCheckpoint(let path): "--resume: there is no checkpoint \(path) to resume from"
        case .checkpointMismatch(let path, let reason):
            "--resume: checkpoint \(path) was made with other settings (\(reason)); give the same options, or start afresh without --resume"
        case .damagedCheckpoint(let path, let reason): "checkpoint \(path) cannot be read: \(reason)"
        case .nonFiniteLoss(let step):
            "the loss became NaN or infinite at step \(step); lower --lr (the last checkpoint is kept)"
        }
    }
}
