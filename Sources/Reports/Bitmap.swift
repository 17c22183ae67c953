import Tensors

/// An 8-bit RGB image, row-major (image samples such as MNIST digits); drawn into figures by the
/// ``Figure/Mark/image(_:x:y:scale:)`` mark and encoded as PNG by Cairo.
public struct Bitmap: Sendable, Equatable {
    public let width: Int, height: Int
    /// RGB triples, row after row: `pixels[3 * (y * width + x) + c]`.
    public var pixels: [UInt8]

    /// The largest side Saddle draws or reads: Cairo's own image limit is 32,767.
    public static let maximumSide = 32_767

    public init(width: Int, height: Int, fill: Color = .white) {
        ensure(width > 0 && height > 0 && width <= Self.maximumSide && height <= Self.maximumSide,
               "Bitmap: size \(width)×\(height) outside 1…\(Self.maximumSide)")
        self.width = width; self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { pixels[3 * i] = fill.r; pixels[3 * i + 1] = fill.g; pixels[3 * i + 2] = fill.b }
    }

    public subscript(x: Int, y: Int) -> Color {
        get {
            let i = 3 * (y * width + x)
            return Color(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = 3 * (y * width + x)
            pixels[i] = newValue.r; pixels[i + 1] = newValue.g; pixels[i + 2] = newValue.b
        }
    }

    /// The image as a PNG file (Cairo's encoder).
    public func png() throws -> [UInt8] { try FigureRenderer.png(self) }

    /// Decodes a PNG file (any colour type libpng reads) into RGB; alpha is composited on white.
    /// The header's size is checked (at most ``maximumPixels``) before anything is allocated.
    public init(png bytes: [UInt8]) throws { self = try FigureRenderer.bitmap(png: bytes) }

    /// The most pixels a PNG may declare to be read (64 M: 256 MB as Cairo's 4-byte pixels).
    public static let maximumPixels = 1 << 26

    /// Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian), without decoding.
    public static func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        guard bytes.count >= 24, bytes[12..<16].elementsEqual(Array("IHDR".utf8)) else { return nil }
        func word(_ at: Int) -> Int { bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (word(16), word(20))
    }
}
