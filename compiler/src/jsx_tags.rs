//! Finds a JSX closing tag that does not match the element it closes, so a
//! parse error there can be told the way esbuild tells it ("Unexpected
//! closing "section" tag does not match opening "div" tag", with a note at
//! the opening tag). swc sometimes reports such a mismatch only later, as a
//! generic "Expected '</'" error.

/// A closing tag and the unclosed opening tag it was meant to close.
#[derive(Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub closing: String,
    /// Byte offset of the closing tag's name (after `</`).
    pub closing_at: usize,
    pub opening: String,
    /// Byte offset of the opening tag's name (after `<`).
    pub opening_at: usize,
}

/// Looks at the last closing tag that starts before `error_at` and checks it
/// against the innermost element still open at that point.
pub fn find_mismatch(source: &str, error_at: usize) -> Option<Mismatch> {
    let error_at = error_at.min(source.len());
    let closing_start = source.get(..error_at)?.rfind("</")?;
    let closing = tag_name(&source[closing_start + 2..]);
    if closing.is_empty() {
        return None;
    }
    let mut open: Vec<(String, usize)> = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < closing_start {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let closing_tag = bytes.get(i + 1) == Some(&b'/');
        // Inside an element's children a `<` is always a tag; outside, only
        // where an expression can start.
        if !closing_tag && open.is_empty() && !starts_expression(source, i) {
            i += 1;
            continue;
        }
        if closing_tag {
            let name = tag_name(&source[i + 2..]);
            if open.last().is_some_and(|(top, _)| *top == name) {
                open.pop();
            }
            i += 2;
            continue;
        }
        let name = tag_name(&source[i + 1..]);
        if name.is_empty() {
            i += 1;
            continue;
        }
        let end = tag_end(source, i + 1);
        let self_closing = end.is_some_and(|e| e > 0 && bytes[e - 1] == b'/');
        if !self_closing {
            open.push((name.to_owned(), i + 1));
        }
        i = end.map_or(i + 1, |e| e + 1);
    }
    let (opening, opening_at) = open.pop()?;
    (opening != closing).then(|| Mismatch {
        closing: closing.to_owned(),
        closing_at: closing_start + 2,
        opening,
        opening_at,
    })
}

fn tag_name(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':')))
        .unwrap_or(text.len());
    &text[..end]
}

/// A `<` starts JSX only where an expression can start: not after an
/// identifier, a number or a closing bracket (that is a comparison or a
/// type argument).
fn starts_expression(source: &str, at: usize) -> bool {
    match source[..at].trim_end().chars().next_back() {
        None => true,
        Some(c) => !(c.is_alphanumeric() || matches!(c, '_' | '$' | ')' | ']' | '.')),
    }
}

/// The offset of the `>` that ends a tag opened at `from`, skipping strings
/// and `{…}` expressions.
fn tag_end(source: &str, from: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' | b'`' => quote = Some(b),
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                b'>' if depth == 0 => return Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_unclosed_opening_tag() {
        let source = "const a = (x: Array<string>) => x.length < 2;\nreturn (\n  <main>\n    <div className=\"t\" onClick={() => a > 1}>\n      <Input value={v} />\n      <span>x</span>\n    </section>\n  </main>\n);\n";
        let error_at = source.find("</section>").unwrap() + "</section>".len();
        let found = find_mismatch(source, error_at).unwrap();
        assert_eq!(
            (found.closing.as_str(), found.opening.as_str()),
            ("section", "div")
        );
        assert_eq!(&source[found.opening_at..found.opening_at + 3], "div");
        assert_eq!(&source[found.closing_at..found.closing_at + 7], "section");
    }

    #[test]
    fn matching_tags_are_not_a_mismatch() {
        let source = "<div><span></span></div>";
        assert_eq!(find_mismatch(source, source.len()), None);
    }
}
