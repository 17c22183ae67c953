/// A self-contained `report.html`: a title, paragraphs, inline SVGs and tables, no external files.
public struct HTMLReport: Sendable {
    public var title: String
    var body = ""

    public init(title: String) { self.title = title }

    public mutating func heading(_ text: String) { body += "<h2>\(SVG.escape(text))</h2>\n" }
    public mutating func paragraph(_ text: String) { body += "<p>\(SVG.escape(text))</p>\n" }
    /// Inlines an SVG document (written by `SVG.render`, so it is trusted markup).
    public mutating func figure(svg: String) { body += "<div class=\"fig\">\(svg)</div>\n" }
    public mutating func table(header: [String], rows: [[String]]) {
        body += "<table>\n<tr>" + header.map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr>\n"
        for r in rows { body += "<tr>" + r.map { "<td>\(SVG.escape($0))</td>" }.joined() + "</tr>\n" }
        body += "</table>\n"
    }

    public func html() -> String {
        """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>\(SVG.escape(title))</title>
        <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:12px}
        td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}.fig{display:inline-block;margin:4px}</style>
        </head><body>
        <h1>\(SVG.escape(title))</h1>
        \(body)</body></html>

        """
    }
}
