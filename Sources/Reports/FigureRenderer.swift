import CCairo
import Foundation
import Tensors

/// A figure or image that Cairo could not draw or encode (out of memory, a malformed PNG).
public struct RenderError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ what: String, _ status: cairo_status_t) {
        description = "\(what): \(String(cString: cairo_status_to_string(status)))"
    }
}

/// Draws a ``Figure`` with Cairo (https://www.cairographics.org) onto an image surface (PNG) or a
/// PDF surface: antialiased lines and dots, text in DejaVu Sans through Cairo's toy font API (which
/// asks fontconfig for the family), bitmaps scaled by nearest neighbour. Also measures text, so
/// layouts (``PlotLayout``) leave room for every label; the SVG writer uses the same font family,
/// so a browser with DejaVu Sans lays text out the same way.
public enum FigureRenderer {
    /// The font family of every text mark, in Cairo and in the SVG (`fonts-dejavu-core` on Debian).
    public static let fontFamily = "DejaVu Sans"

    // MARK: Files

    /// The figure as a PNG file, one pixel per unit of the figure's coordinates.
    public static func png(_ figure: Figure) throws -> [UInt8] {
        let w = Int(figure.width.rounded(.up)), h = Int(figure.height.rounded(.up))
        guard w > 0, h > 0, w <= Bitmap.maximumSide, h <= Bitmap.maximumSide else {
            throw RenderError(description: "figure size \(figure.width)×\(figure.height) outside 1…\(Bitmap.maximumSide) pixels")
        }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(w), Int32(h)) else {
            throw RenderError(description: "cairo_image_surface_create failed")
        }
        defer { cairo_surface_destroy(surface) }
        try draw(figure, on: surface)
        return try encodePNG(surface)
    }

    /// The figure as a one-page PDF, one PostScript point per unit of the figure's coordinates
    /// (vector lines and real text).
    public static func pdf(_ figure: Figure) throws -> [UInt8] {
        let sink = ByteSink()
        let surface = cairo_pdf_surface_create_for_stream(byteSinkWrite, Unmanaged.passUnretained(sink).toOpaque(), figure.width, figure.height)
        guard let surface else { throw RenderError(description: "cairo_pdf_surface_create_for_stream failed") }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Saddle")
        try draw(figure, on: surface)
        cairo_surface_finish(surface)
        let status = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderError("PDF", status) }
        return withExtendedLifetime(sink) { sink.bytes }
    }

    static func png(_ bitmap: Bitmap) throws -> [UInt8] {
        let surface = try imageSurface(bitmap)
        defer { cairo_surface_destroy(surface) }
        return try encodePNG(surface)
    }

    static func bitmap(png bytes: [UInt8]) throws -> Bitmap {
        guard bytes.count >= 8, Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw RenderError(description: "not a PNG file (no PNG signature)")
        }
        guard let declared = Bitmap.pngSize(bytes), declared.width > 0, declared.height > 0,
              declared.width <= Bitmap.maximumSide, declared.height <= Bitmap.maximumSide,
              declared.width * declared.height <= Bitmap.maximumPixels else {
            throw RenderError(description: "PNG header: size missing or outside 1…\(Bitmap.maximumSide) per side, \(Bitmap.maximumPixels) pixels")
        }
        let source = ByteSource(bytes)
        let surface = cairo_image_surface_create_from_png_stream(byteSourceRead, Unmanaged.passUnretained(source).toOpaque())
        guard let surface else { throw RenderError(description: "cairo_image_surface_create_from_png_stream failed") }
        defer { cairo_surface_destroy(surface) }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderError("PNG", status) }
        cairo_surface_flush(surface)
        let w = Int(cairo_image_surface_get_width(surface)), h = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let format = cairo_image_surface_get_format(surface)
        guard w > 0, h > 0, let data = cairo_image_surface_get_data(surface) else { throw RenderError(description: "empty PNG image") }
        var out = Bitmap(width: w, height: h)
        for y in 0..<h {
            let row = UnsafeRawPointer(data + y * stride)
            for x in 0..<w {
                // Native-endian 0xAARRGGBB, colour premultiplied by alpha: composite on white.
                let v = row.loadUnaligned(fromByteOffset: 4 * x, as: UInt32.self)
                let a = format == CAIRO_FORMAT_ARGB32 ? Int(v >> 24) : 255
                func channel(_ c: UInt32) -> UInt8 { UInt8(min(255, Int(c & 0xff) + (255 - a))) }
                out.pixels[3 * (y * w + x)] = channel(v >> 16)
                out.pixels[3 * (y * w + x) + 1] = channel(v >> 8)
                out.pixels[3 * (y * w + x) + 2] = channel(v)
            }
        }
        return out
    }

    // MARK: Text measurement

    /// The advance width of `text` at font size `size` (pixels or points), as Cairo draws it.
    public static func textWidth(_ text: String, size: Double) -> Double {
        guard !text.isEmpty else { return 0 }
        return measurer.withLock { cr in
            cairo_set_font_size(cr, size)
            var e = cairo_text_extents_t()
            cairo_text_extents(cr, text, &e)
            return e.x_advance
        }
    }

    /// The font's ascent and descent at `size` (distances above and below the baseline).
    public static func fontExtents(size: Double) -> (ascent: Double, descent: Double) {
        measurer.withLock { cr in
            cairo_set_font_size(cr, size)
            var e = cairo_font_extents_t()
            cairo_font_extents(cr, &e)
            return (e.ascent, e.descent)
        }
    }

    /// One context on a 1×1 surface, for measuring only; Cairo contexts are not thread-safe.
    private static let measurer = Measurer()

    private final class Measurer: @unchecked Sendable {
        let lock = NSLock()
        let surface: OpaquePointer?
        let cr: OpaquePointer?
        init() {
            surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1)
            cr = cairo_create(surface)
            cairo_select_font_face(cr, FigureRenderer.fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        }
        func withLock<T>(_ body: (OpaquePointer?) -> T) -> T {
            lock.lock(); defer { lock.unlock() }
            return body(cr)
        }
    }

    // MARK: Drawing

    /// Coordinates beyond this are not drawn (a diverged run's points); Cairo's fixed point
    /// arithmetic overflows near 2²³.
    static let coordinateLimit = 1e6

    static func draw(_ f: Figure, on surface: OpaquePointer) throws {
        guard let cr = cairo_create(surface) else { throw RenderError(description: "cairo_create failed") }
        defer { cairo_destroy(cr) }
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        cairo_select_font_face(cr, fontFamily, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        func drawable(_ v: Double...) -> Bool { v.allSatisfy { $0.isFinite && abs($0) < coordinateLimit } }
        func source(_ c: Color) { cairo_set_source_rgb(cr, Double(c.r) / 255, Double(c.g) / 255, Double(c.b) / 255) }
        for mark in f.marks {
            switch mark {
            case let .line(x0, y0, x1, y1, color, width):
                guard drawable(x0, y0, x1, y1) else { continue }
                source(color); cairo_set_line_width(cr, width); cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
                cairo_move_to(cr, x0, y0); cairo_line_to(cr, x1, y1); cairo_stroke(cr)
            case let .polyline(points, color, width):
                source(color); cairo_set_line_width(cr, width); cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
                var open = false
                for (x, y) in points {
                    if drawable(x, y) {
                        if open { cairo_line_to(cr, x, y) } else { cairo_move_to(cr, x, y); open = true }
                    } else { open = false }
                }
                cairo_stroke(cr)
            case let .points(points, color, size):
                source(color)
                let r = max(0.5, size / 2)
                for (x, y) in points where drawable(x, y) {
                    cairo_new_sub_path(cr)
                    cairo_arc(cr, x, y, r, 0, 2 * Double.pi)
                }
                cairo_fill(cr)
            case let .text(text, x, y, anchor, size, color, angle):
                guard drawable(x, y, size), !text.isEmpty else { continue }
                source(color); cairo_set_font_size(cr, size)
                var e = cairo_text_extents_t()
                cairo_text_extents(cr, text, &e)
                cairo_save(cr)
                cairo_translate(cr, x, y)
                cairo_rotate(cr, -angle * Double.pi / 180)
                cairo_move_to(cr, anchor.offset(width: e.x_advance), 0)
                cairo_show_text(cr, text)
                cairo_restore(cr)
            case let .image(bitmap, x, y, scale):
                guard drawable(x, y, scale), scale > 0 else { continue }
                let image = try imageSurface(bitmap)
                cairo_save(cr)
                cairo_translate(cr, x, y)
                cairo_scale(cr, scale, scale)
                cairo_set_source_surface(cr, image, 0, 0)
                cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
                cairo_rectangle(cr, 0, 0, Double(bitmap.width), Double(bitmap.height))
                cairo_fill(cr)
                cairo_restore(cr)
                cairo_surface_destroy(image)
            }
        }
        let status = cairo_status(cr)
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderError("drawing", status) }
    }

    /// A Cairo RGB24 surface holding the bitmap's pixels (native-endian 0x00RRGGBB words).
    static func imageSurface(_ b: Bitmap) throws -> OpaquePointer {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(b.width), Int32(b.height)) else {
            throw RenderError(description: "cairo_image_surface_create failed")
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(surface) else {
            cairo_surface_destroy(surface)
            throw RenderError("image surface", status)
        }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        b.pixels.withUnsafeBufferPointer { p in
            for y in 0..<b.height {
                let row = UnsafeMutableRawPointer(data + y * stride)
                for x in 0..<b.width {
                    let i = 3 * (y * b.width + x)
                    let v = UInt32(p[i]) << 16 | UInt32(p[i + 1]) << 8 | UInt32(p[i + 2])
                    row.storeBytes(of: v, toByteOffset: 4 * x, as: UInt32.self)
                }
            }
        }
        cairo_surface_mark_dirty(surface)
        return surface
    }

    static func encodePNG(_ surface: OpaquePointer) throws -> [UInt8] {
        let sink = ByteSink()
        let status = cairo_surface_write_to_png_stream(surface, byteSinkWrite, Unmanaged.passUnretained(sink).toOpaque())
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderError("PNG encoding", status) }
        return withExtendedLifetime(sink) { sink.bytes }
    }
}

extension RenderError {
    init(description: String) { self.description = description }
}

/// Where Cairo's stream writers put their bytes.
private final class ByteSink { var bytes: [UInt8] = [] }

/// What Cairo's PNG reader reads from.
private final class ByteSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

private let byteSinkWrite: cairo_write_func_t = { closure, data, length in
    guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
    let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
    return CAIRO_STATUS_SUCCESS
}

private let byteSourceRead: cairo_read_func_t = { closure, data, length in
    guard let closure, let data else { return CAIRO_STATUS_READ_ERROR }
    let source = Unmanaged<ByteSource>.fromOpaque(closure).takeUnretainedValue()
    let n = Int(length)
    guard source.offset + n <= source.bytes.count else { return CAIRO_STATUS_READ_ERROR }
    source.bytes.withUnsafeBufferPointer { p in
        data.update(from: p.baseAddress! + source.offset, count: n)
    }
    source.offset += n
    return CAIRO_STATUS_SUCCESS
}
