/// Saddle's version, recorded in every run's summary and checkpoint metadata.
public enum SaddleVersion {
    public static let string = "0.1.0"
}
