/// The element type of a tensor. Saddle computes in `float32` for networks and in `float64` for
/// closed-form games and every finite-difference check.
public enum DType: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case float32
    case float64

    /// Bytes per element.
    @inlinable public var byteSize: Int { self == .float32 ? 4 : 8 }

    /// The machine epsilon of this type (the gap between 1 and the next representable number).
    public var epsilon: Double { self == .float32 ? Double(Float.ulpOfOne) : Double.ulpOfOne }

    public var description: String { rawValue }
}
