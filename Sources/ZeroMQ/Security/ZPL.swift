/// ZPL (ZeroMQ RFC 4), the text format of czmq's and pyzmq's certificate files: as much of it as
/// certificates need, parsed the way czmq's `zconfig` parses it, with errors that name the line.
///
/// - A line is blank, a comment (`#` after optional indentation), or `name`, `name = value`,
///   optionally followed by spaces and a `# comment`.
/// - Indentation is 4 spaces per level (czmq rejects tabs and other widths, and so do we);
///   a line may be at most one level deeper than the line before it.
/// - Names are letters, digits and `$-_@.&+/` (not starting or ending with `/`).
/// - A value is quoted with `"` or `'` (no escapes; the same quote ends it), or unquoted: the
///   rest of the line up to a `#`, without the spaces before it. Z85 keys contain `#`, which
///   is why keys are always written quoted.
enum ZPL {
    /// One `name` or `name = value` line, with the names of the lines it is nested in.
    struct Entry: Equatable {
        /// Names from the top level down to this entry's own, e.g. `["curve", "public-key"]`.
        var path: [String]
        /// The value; empty for a line without `=`.
        var value: String
        /// The line number, counting from 1.
        var line: Int
    }

    /// Why a line is not ZPL: the line number and a sentence.
    struct SyntaxError: Error, Equatable {
        var line: Int
        var reason: String
    }

    static let nameCharacters: Set<UInt8> = Set(Array("$-_@.&+/".utf8))

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || nameCharacters.contains(byte)
    }

    /// Whether `name` can be written as a ZPL name.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isNameByte) && !name.hasPrefix("/") && !name.hasSuffix("/")
    }

    /// Every entry of a ZPL text, in order.
    static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> [Entry] {
        var entries: [Entry] = []
        var stack: [String] = []  // names of the open levels
        var lineNumber = 0
        var remaining = bytes[...]
        // A UTF-8 byte order mark at the start is skipped, as czmq does.
        if remaining.starts(with: [0xEF, 0xBB, 0xBF]) { remaining = remaining.dropFirst(3) }
        while !remaining.isEmpty || lineNumber == 0 {
            lineNumber += 1
            let end = remaining.firstIndex(of: 0x0A) ?? remaining.endIndex
            var line = Array(remaining[remaining.startIndex..<end])
            remaining = end == remaining.endIndex ? remaining[end...] : remaining[remaining.index(after: end)...]
            // Trailing white space (and a CR of a CRLF line end) is not part of the line.
            while let last = line.last, last == 0x20 || last == 0x09 || last == 0x0D { line.removeLast() }
            if let entry = try parseLine(line, number: lineNumber, depth: &stack) { entries.append(entry) }
            if remaining.isEmpty { break }
        }
        return entries
    }

    private static func parseLine(_ line: [UInt8], number: Int, depth stack: inout [String]) throws(SyntaxError) -> Entry? {
        func fail(_ reason: String) -> SyntaxError { SyntaxError(line: number, reason: reason) }
        if line.contains(0) { throw fail("the line contains a NUL byte") }
        var index = 0
        while index < line.count, line[index] == 0x20 { index += 1 }
        let indent = index
        if index == line.count { return nil }  // blank
        if line[index] == 0x09 {
            throw fail("indented with a tab; ZPL indents by 4 spaces per level")
        }
        if line[index] == UInt8(ascii: "#") { return nil }  // comment
        guard indent % 4 == 0 else {
            throw fail("indented by \(indent) spaces; ZPL indents by 4 spaces per level")
        }
        let level = indent / 4
        guard level <= stack.count else {
            throw fail("indented \(level) levels deep under a line \(stack.count) deep; one level more at most")
        }
        let nameStart = index
        while index < line.count, isNameByte(line[index]) { index += 1 }
        guard index > nameStart else {
            throw fail("expected a name (letters, digits and $-_@.&+/), found \(describe(line[index]))")
        }
        let name = String(decoding: line[nameStart..<index], as: UTF8.self)
        // How errors refer to it: a well-known name as itself, any other by its column. In a
        // damaged secret file a "name" may be the start of the secret key (a line that lost its
        // `secret-key =`), and an error must not show it.
        let known = wellKnownNames.contains(name)
        let theName = known ? "the name \(name)" : "the name at column \(nameStart + 1)"
        let valueLabel = known ? "value of \(name)" : "value after the name at column \(nameStart + 1)"
        if name.hasPrefix("/") || name.hasSuffix("/") {
            throw fail("\(theName) starts or ends with '/'")
        }
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        var value = ""
        if index < line.count, line[index] == UInt8(ascii: "=") {
            index += 1
            while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
            if index < line.count, line[index] == UInt8(ascii: "\"") || line[index] == UInt8(ascii: "'") {
                let quote = line[index]
                guard let close = line[(index + 1)...].firstIndex(of: quote) else {
                    throw fail("the \(valueLabel) has no closing \(quote == UInt8(ascii: "\"") ? "\"" : "'")")
                }
                value = try text(line[(index + 1)..<close], line: number, what: "the \(valueLabel)")
                index = close + 1
                try verifyEndOfLine(line, from: index, line: number, after: "the quoted \(valueLabel)")
            } else {
                // Unquoted: up to a '#', without the spaces before it.
                var end = line[index...].firstIndex(of: UInt8(ascii: "#")) ?? line.count
                while end > index, line[end - 1] == 0x20 || line[end - 1] == 0x09 { end -= 1 }
                value = try text(line[index..<end], line: number, what: "the \(valueLabel)")
            }
        } else {
            try verifyEndOfLine(line, from: index, line: number, after: theName)
        }
        stack.removeLast(stack.count - level)
        stack.append(name)
        return Entry(path: stack, value: value, line: number)
    }

    /// The names of certificate files that errors may show as they are.
    static let wellKnownNames: Set<String> = ["curve", "metadata", "public-key", "secret-key"]

    /// Only white space and a comment may follow.
    private static func verifyEndOfLine(_ line: [UInt8], from start: Int, line number: Int, after what: String) throws(SyntaxError) {
        var index = start
        while index < line.count {
            switch line[index] {
            case 0x20, 0x09: index += 1
            case UInt8(ascii: "#"): return
            default:
                throw SyntaxError(line: number, reason: "unexpected \(describe(line[index])) after \(what)")
            }
        }
    }

    private static func text(_ bytes: ArraySlice<UInt8>, line: Int, what: String) throws(SyntaxError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SyntaxError(line: line, reason: "\(what) is not UTF-8 text")
        }
        return text
    }

    /// `'x'` for printable ASCII, `byte 0xNN` otherwise.
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count < 2 ? "0" : "") + hex
    }

    /// `value` quoted for a ZPL file: in `"`, or in `'` when it contains `"`. Nil when it
    /// contains both quotes or a control character (a line break would end the line).
    static func quoted(_ value: String) -> String? {
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return nil }
        if !value.contains("\"") { return "\"\(value)\"" }
        if !value.contains("'") { return "'\(value)'" }
        return nil
    }
}
