// The printed report: aligned columns for each section (numbers right-aligned, with thousands
// separators), written to stdout as each section finishes; progress goes to stderr.
import Foundation

struct TextTable {
    enum Alignment { case left, right }

    var columns: [(title: String, alignment: Alignment)]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { (title: $0.0, alignment: $0.1) }
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells)
    }

    /// Separates groups of rows (a blank line).
    mutating func addSeparator() {
        rows.append([])
    }

    func render(indent: String = "  ") -> String {
        var widths = columns.map(\.title.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, column) in columns.enumerated() {
                let cell = index < cells.count ? cells[index] : ""
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                parts.append(column.alignment == .left ? cell + padding : padding + cell)
            }
            var text = indent + parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var lines = [line(columns.map(\.title))]
        lines.append(indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows {
            lines.append(row.isEmpty ? "" : line(row))
        }
        return lines.joined(separator: "\n")
    }
}

enum Format {
    /// 1234567.8 → "1,234,568".
    static func integer(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        let digits = String(Int(value.rounded()))
        let negative = digits.hasPrefix("-")
        var body = Array(negative ? digits.dropFirst() : Substring(digits))
        var index = body.count - 3
        while index > 0 {
            body.insert(",", at: index)
            index -= 3
        }
        return (negative ? "-" : "") + String(body)
    }

    static func decimal(_ value: Double?, _ places: Int) -> String {
        guard let value, value.isFinite else { return "-" }
        return String(format: "%.\(places)f", value)
    }

    /// A ratio as "0.74".
    static func ratio(_ value: Double?) -> String {
        decimal(value, 2)
    }

    /// Bytes as "64 B", "1 KiB", "64 KiB".
    static func size(_ bytes: Int) -> String {
        bytes >= 1024 && bytes % 1024 == 0 ? "\(bytes / 1024) KiB" : "\(bytes) B"
    }
}

/// Writes lines to stdout at once (unbuffered, so the table and stderr's progress interleave in
/// the order they happen).
func output(_ lines: [String]) {
    FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
}

/// Prints a section title, its notes and its table to stdout.
func printSection(_ title: String, notes: [String] = [], _ table: TextTable) {
    output(["", "== \(title)"] + notes.map { "   " + $0 } + [table.render()])
}
