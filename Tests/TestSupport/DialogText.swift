import Foundation

/// The text of the box titled `title` on a screen (a tmux capture or a rendered grid), as
/// one line: its rows between the borders, padding gone, wrapped lines joined with a
/// space. Whatever shows left and right of the box (the list beneath) is left out, so a
/// sentence wrapped in the box reads whole. Empty when no such box is on screen.
public func dialogText(_ screen: String, title: String) -> String {
    let lines = screen.components(separatedBy: "\n").map { Array($0) }
    guard let top = lines.firstIndex(where: { String($0).contains(" " + title + " ") }),
          let left = lines[top].firstIndex(of: "┌"), let right = lines[top][left...].firstIndex(of: "┐") else { return "" }
    var rows: [String] = []
    for line in lines[(top + 1)...] {
        guard line.count > right, line[left] == "│" else { break }
        rows.append(String(line[(left + 1)..<right]).trimmingCharacters(in: .whitespaces))
    }
    return rows.filter { !$0.isEmpty }.joined(separator: " ")
}
