//! How deeply a script nests, estimated from its text before swc parses it.
//!
//! swc's parser, its passes and the AST's own `Clone` and `Drop` recurse
//! once per level of nesting, and a stack overflow aborts the whole process:
//! the server of every tenant. Two hundred kilobytes of `((((…` or `!!!!…`
//! nest deeper than a compiler thread's 64 MiB stack holds (the shapes
//! measured overflow from 8,000 levels, for nested functions, to 128,000).
//! So a script that may nest deeper than [`MAX_NESTING`] is refused, at the
//! line where it does.
//!
//! The estimate reads the text once, without the parser's context: it
//! counts opening brackets and JSX tags, and the operators and prefix
//! keywords since the last `,` or `;` inside them (chains such as `!!!x`,
//! `a ? b : c ? …` or `x => y => …` nest without brackets), and every
//! `else` (an `if … else if …` chain nests past its `;`). Strings, comments,
//! templates' text and regular expressions are skipped, but the brackets
//! inside them still count. JSX children's text is read as text, as swc
//! reads it (a quote or a `/` there starts nothing); a `<` opens a tag only
//! where an expression goes (after an operand it compares), and `<T,>` or
//! `<T extends U>` are type parameters.
//!
//! It is a heuristic, not a parser: text crafted so that it and swc still
//! disagree (where a `/` starts a regex or divides, say) may hide nesting
//! from it; a depth limit inside swc's parser is the complete fix. It
//! counts more than the parser nests for most code, so the limit is far
//! below the depth that overflows and far above what real code reaches: of
//! 2,400 scripts (the corpus's, and those of the npm packages on the build
//! machine), the deepest counts 1,480 and nearly all count under 350.

use crate::diagnostic::{Diagnostic, Location};

/// The deepest a script may nest, by [`too_deep`]'s count.
pub const MAX_NESTING: usize = 4_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Paren,
    Bracket,
    Brace,
    /// `${` in a template: its `}` goes back to the template's text.
    Template,
    /// `<name` or `<>`: a JSX element, or type parameters (`<T,>`), which
    /// close at their `,` or `extends`.
    Tag,
}

struct Frame {
    open: Open,
    /// The count where the frame opened.
    base: usize,
    /// The count once it closes: `f()()` nests its callee, `if (a) {…}`
    /// and `function f() {…}` nest nothing after them.
    restore: usize,
    /// `else`s in the frame: not reset by `;`.
    elses: usize,
    /// A tag past its `>`: its children's text, which the parser reads as
    /// text (a quote or a `/` there starts nothing), up to a `<` or a `{`.
    children: bool,
}

impl Frame {
    fn new(open: Open, base: usize, restore: usize) -> Frame {
        Frame {
            open,
            base,
            restore,
            elses: 0,
            children: false,
        }
    }
}

/// The byte offset where `source` nests deeper than `limit`, if it does;
/// `jsx`: whether the script may hold JSX (not a `.ts` file, where `<T>x`
/// is a type assertion).
pub fn too_deep(source: &str, limit: usize, jsx: bool) -> Option<usize> {
    count(source, limit, jsx).err()
}

/// The error for `path`, whose `source` nests deeper than [`MAX_NESTING`]
/// at `at`: what nests there, and how to undo it.
pub fn error(path: &str, source: &str, at: usize, nested: &str, fix: &str) -> Diagnostic {
    Diagnostic::error(
        format!(
            "This nests too deeply to compile (more than {} {nested} inside one another): {fix}",
            crate::thousands(MAX_NESTING)
        ),
        Some(Location::from_offset(path, source, at, 1)),
    )
}

/// The deepest `source` nests by this count, or where it nests deeper than
/// `limit`.
fn count(source: &str, limit: usize, jsx: bool) -> Result<usize, usize> {
    let bytes = source.as_bytes();
    let mut frames = vec![Frame::new(Open::Brace, 0, 0)];
    let mut deepest = 0;
    // Where the count was before a `(…)` that just closed: a `{` after it
    // opens a body (`if (…) {`, `function f() {`).
    let mut after_parens: Option<usize> = None;
    let mut depth = 0usize;
    // A `/` here starts a regular expression, not a division.
    let mut regex_allowed = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
            continue;
        }
        let mut added = 1usize;
        let parens_before = after_parens.take();
        let top_tag = frames
            .last()
            .filter(|f| f.open == Open::Tag)
            .map(|f| f.children);
        if top_tag == Some(true) {
            // A tag's children: text up to a `<` (a tag) or a `{` (code).
            match b {
                b'<' if next == b'/' => {
                    depth = frames.pop().map_or(0, |f| f.base);
                    i = memchr::memchr(b'>', &bytes[i..]).map_or(bytes.len(), |at| i + at + 1);
                    regex_allowed = false;
                }
                b'<' => {
                    frames.push(Frame::new(Open::Tag, depth, depth));
                    depth += 1;
                    i += 1;
                }
                b'{' => {
                    frames.push(Frame::new(Open::Brace, depth, depth));
                    depth += 1;
                    i += 1;
                    regex_allowed = true;
                }
                _ => i += 1,
            }
        } else {
            match b {
                b'/' if next == b'/' => {
                    let end = line_end(bytes, i);
                    added = span_depth(&bytes[i..end]);
                    i = end;
                }
                b'/' if next == b'*' => {
                    let end = find(bytes, i + 2, b"*/").map_or(bytes.len(), |at| at + 2);
                    added = span_depth(&bytes[i..end]);
                    i = end;
                }
                b'\'' | b'"' => {
                    let end = string_end(bytes, i);
                    added = span_depth(&bytes[i..end]);
                    i = end;
                    regex_allowed = false;
                }
                b'`' => {
                    let (end, brackets, opens) =
                        template_part(bytes, i + 1, &mut frames, &mut depth);
                    (i, added, regex_allowed) = (end, brackets, opens);
                }
                b'/' if next == b'>' && top_tag.is_some() => {
                    // `<name … />`.
                    depth = frames.pop().map_or(0, |f| f.base);
                    i += 2;
                    regex_allowed = false;
                }
                b'/' if regex_allowed => match regex_end(bytes, i) {
                    Some(end) => {
                        added = span_depth(&bytes[i..end]);
                        i = end;
                        regex_allowed = false;
                    }
                    // Not closed on its line: a division.
                    None => {
                        depth += 1;
                        i += 1;
                    }
                },
                b'(' | b'[' | b'{' => {
                    let (open, restore) = match b {
                        b'(' => (Open::Paren, depth + 1),
                        b'[' => (Open::Bracket, depth + 1),
                        _ => (Open::Brace, parens_before.unwrap_or(depth)),
                    };
                    frames.push(Frame::new(open, depth, restore));
                    depth += 1;
                    i += 1;
                    regex_allowed = true;
                }
                b')' | b']' | b'}' => {
                    let wanted: &[Open] = match b {
                        b')' => &[Open::Paren],
                        b']' => &[Open::Bracket],
                        _ => &[Open::Brace, Open::Template],
                    };
                    let mut closed = None;
                    while frames.len() > 1 {
                        let frame = frames.pop().expect("more than the root");
                        if wanted.contains(&frame.open) {
                            closed = Some(frame);
                            break;
                        }
                    }
                    i += 1;
                    match closed {
                        // The template goes on after its `${…}`.
                        Some(frame) if frame.open == Open::Template => {
                            depth = frame.base;
                            let (end, brackets, opens) =
                                template_part(bytes, i, &mut frames, &mut depth);
                            (i, added, regex_allowed) = (end, brackets, opens);
                        }
                        Some(frame) => {
                            depth = frame.restore;
                            regex_allowed = false;
                            if b == b')' {
                                after_parens = Some(frame.base);
                            } else if b == b'}' {
                                end_else_chain(&mut frames, bytes, i);
                            }
                        }
                        None => {
                            depth = 0;
                            regex_allowed = false;
                        }
                    }
                }
                // `<T,>(…) =>`: type parameters, not a tag.
                b',' if top_tag.is_some() => {
                    depth = frames.pop().map_or(0, |f| f.base);
                    i += 1;
                    regex_allowed = true;
                }
                b',' | b';' => {
                    depth = frames.last().map_or(0, |f| f.base + 1);
                    i += 1;
                    regex_allowed = true;
                    if b == b';' {
                        end_else_chain(&mut frames, bytes, i);
                    }
                }
                // A tag where an expression goes (after an operand, `<` compares).
                b'<' if jsx
                    && regex_allowed
                    && (next == b'>'
                        || next.is_ascii_alphabetic()
                        || next == b'_'
                        || next == b'$') =>
                {
                    frames.push(Frame::new(Open::Tag, depth, depth));
                    depth += 1;
                    i += 1;
                }
                b'>' => {
                    // The end of a tag's attributes: its children follow.
                    if let Some(frame) = frames.last_mut().filter(|f| f.open == Open::Tag) {
                        frame.children = true;
                    }
                    i += 1;
                    regex_allowed = true;
                }
                b'+' | b'-' if next == b => {
                    // `++`/`--`: after a postfix one, `/` divides.
                    depth += 2;
                    i += 2;
                    regex_allowed = false;
                }
                _ if is_word_byte(b) => {
                    let start = i;
                    while i < bytes.len() && is_word_byte(bytes[i]) {
                        i += 1;
                    }
                    let after_dot = start > 0 && bytes[start - 1] == b'.';
                    regex_allowed = false;
                    if !after_dot {
                        match &source[start..i] {
                            "else" => {
                                if let Some(frame) = frames.last_mut() {
                                    frame.elses += 1;
                                }
                                regex_allowed = true;
                            }
                            "new" | "typeof" | "void" | "delete" | "await" | "yield" | "keyof"
                            | "readonly" | "infer" | "unique" => {
                                depth += 1;
                                regex_allowed = true;
                            }
                            // `<T extends U>(…) =>`: type parameters, not a tag.
                            "extends" if top_tag.is_some() => {
                                depth = frames.pop().map_or(0, |f| f.base);
                                regex_allowed = true;
                            }
                            "return" | "instanceof" | "in" | "throw" | "case" | "do"
                            | "extends" | "default" => {
                                regex_allowed = true;
                            }
                            _ => {}
                        }
                    }
                }
                _ => {
                    // Any other operator: `!`, `?`, `:`, `=`, `.`, `+`, ….
                    depth += 1;
                    i += 1;
                    regex_allowed = true;
                }
            }
        }
        let elses = frames.last().map_or(0, |f| f.elses);
        let here = depth + elses + added.saturating_sub(1);
        if here > limit {
            return Err(i.min(bytes.len()).saturating_sub(1));
        }
        deepest = deepest.max(here);
    }
    Ok(deepest)
}

/// After a statement: unless an `else` follows, an `if … else if …` chain
/// ends there.
fn end_else_chain(frames: &mut [Frame], bytes: &[u8], from: usize) {
    let mut i = from;
    loop {
        match (bytes.get(i), bytes.get(i + 1)) {
            (Some(b' ' | b'\t' | b'\n' | b'\r'), _) => i += 1,
            (Some(b'/'), Some(b'/')) => i = line_end(bytes, i),
            (Some(b'/'), Some(b'*')) => {
                i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |at| at + 2)
            }
            _ => break,
        }
    }
    let else_follows = bytes[i.min(bytes.len())..].starts_with(b"else")
        && !bytes.get(i + 4).copied().is_some_and(is_word_byte);
    if !else_follows {
        if let Some(frame) = frames.last_mut() {
            frame.elses = 0;
        }
    }
}

/// The byte offset where a stylesheet nests its blocks and functions
/// deeper than `limit`, if it does (lightningcss recurses on them too). CSS
/// reads the same everywhere: its strings and comments are skipped.
pub fn css_too_deep(source: &str, limit: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |at| at + 2);
            }
            b'\'' | b'"' => i = string_end(bytes, i),
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Some(i);
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

fn is_word_byte(b: u8) -> bool {
    WORD_BYTES[b as usize]
}

/// Identifiers' and numbers' bytes (non-ASCII ones included).
static WORD_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
        b += 1;
    }
    table
};

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&bytes[from.min(bytes.len())..], needle).map(|at| from + at)
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |at| from + at)
}

/// Where the string opened at `start` ends: past its quote, or at the end of
/// its line.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// A template's text from `from`, up to its end or to a `${`, which opens
/// a frame: where it ends, the brackets the text holds, and whether a `${`
/// opened.
fn template_part(
    bytes: &[u8],
    from: usize,
    frames: &mut Vec<Frame>,
    depth: &mut usize,
) -> (usize, usize, bool) {
    let (end, opens) = template_text(bytes, from);
    if opens {
        frames.push(Frame::new(Open::Template, *depth, *depth));
        *depth += 1;
    }
    (end, span_depth(&bytes[from..end]), opens)
}

/// A template's text from `from`: where it ends (past its backtick, or past
/// a `${`), and whether a `${` ended it.
fn template_text(bytes: &[u8], from: usize) -> (usize, bool) {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'`' => return (i + 1, false),
            b'$' if bytes.get(i + 1) == Some(&b'{') => return (i + 2, true),
            _ => i += 1,
        }
    }
    (bytes.len(), false)
}

/// Where the regular expression opened at `start` ends, if it ends on its
/// line (otherwise the `/` divides).
fn regex_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    let mut in_class = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return None,
            b'[' => {
                in_class = true;
                i += 1;
            }
            b']' => {
                in_class = false;
                i += 1;
            }
            b'/' if !in_class => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The brackets a skipped span (a string, a comment, a regular expression)
/// nests: the parser may read the span as code (a quote in JSX text).
fn span_depth(span: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for &b in span {
        match b {
            b'(' | b'[' | b'{' | b'<' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(source: &str) -> usize {
        count(source, usize::MAX, true).unwrap_or(usize::MAX)
    }

    #[test]
    fn every_way_of_nesting_deep_counts() {
        let n = 5_000;
        let deep = [
            "(".repeat(n) + "1" + &")".repeat(n),
            "[".repeat(n) + &"]".repeat(n),
            "x = ".to_owned() + &"!".repeat(n) + "y",
            "x".to_owned() + &"?1:x".repeat(n),
            "f = ".to_owned() + &"x=>".repeat(n) + "1",
            "y = ".to_owned() + &"{a:".repeat(n) + "1" + &"}".repeat(n),
            "f".to_owned() + &"()".repeat(n),
            "a".to_owned() + &".b".repeat(n),
            "s = 1".to_owned() + &"+1".repeat(n),
            "v = ".to_owned() + &"new ".repeat(n) + "X",
            "e = ".to_owned() + &"<b>".repeat(n) + &"</b>".repeat(n),
            "t = ".to_owned() + &"`${".repeat(n) + "1" + &"}`".repeat(n),
            "if(x)a;else ".repeat(n) + "b;",
            // A quote or a `/` in JSX text starts no string nor regex for
            // the parser: what follows in braces is code, line after line.
            "e = <b>'".to_owned() + &"{(".repeat(n) + "1" + &")}".repeat(n),
            "e = ".to_owned() + &"<b>;'{!!!!!!!!!!\n".repeat(n),
            "e = ".to_owned() + &"<b>;/ {x?1:x?1:\n".repeat(n),
            "e = ".to_owned() + &"<b>;// {-\n".repeat(n),
            "export default ".to_owned() + &"<b>;'{!\n".repeat(n),
        ];
        for source in &deep {
            assert!(
                too_deep(source, MAX_NESTING, true).is_some(),
                "{}…",
                &source[..40.min(source.len())]
            );
        }
    }

    #[test]
    fn flat_code_does_not_add_up() {
        // Long sequences nest nothing: statements, arguments, JSX children,
        // strings full of operators (a data URL), divisions and regexes.
        let n = 20_000;
        let flat = [
            "a = b + c;\n".repeat(n),
            "f(".to_owned() + &"a, ".repeat(n) + "b)",
            "e = <ul>".to_owned() + &"<li className=\"x\">-</li>".repeat(n) + "</ul>",
            "s = \"data:image/png;base64,".to_owned() + &"a+b/c=".repeat(n) + "\"",
            "r = x / 2 / 3;\nm = /a+[(]/.test(s);\n".repeat(n),
            "// a comment (with brackets) - and - operators\n".repeat(n),
            "if (a) { b(); } else { c(); }\n".repeat(n),
            "function f(a) { return `(${a}[${g(a)}]`; }\n".repeat(n),
            // Comparisons and type parameters open no tag.
            "if (a<b && c>d) x = 1;\n".repeat(n),
            "const f = <T,>(x: T) => x;\nconst g = <T extends U>(x: T) => x;\n".repeat(n),
            "e = <p>Don't // stop: a / b 'quoted' \"too\" {x} `tick`</p>;\n".repeat(n),
        ];
        for source in &flat {
            assert!(
                depth_of(source) < 20,
                "{} for {}…",
                depth_of(source),
                &source[..40.min(source.len())]
            );
        }
    }

    #[test]
    fn stylesheets_nest_by_their_blocks_and_functions() {
        let deep = ".a{".repeat(5_000) + &"}".repeat(5_000);
        assert!(css_too_deep(&deep, MAX_NESTING).is_some());
        let deep =
            "a{width:".to_owned() + &"calc(".repeat(5_000) + "1px" + &")".repeat(5_000) + "}";
        assert!(css_too_deep(&deep, MAX_NESTING).is_some());
        let flat = ".a{color:red}\n/* { */\n.b::after{content:\"{{{{\"}\n".repeat(5_000);
        assert!(css_too_deep(&flat, 2).is_none());
    }

    #[test]
    fn it_says_where() {
        let source = format!("let a = 1;\nlet b = {}1;\n", "(".repeat(50));
        let at = too_deep(&source, 10, true).expect("too deep");
        assert_eq!(&source[..at].matches('\n').count(), &1);
        assert!(too_deep(&source, 60, true).is_none());
        // A `.ts` file has no JSX: `<T>x` asserts a type.
        let asserted = "let a = <T>x;\nlet b = 'it''s';\n".repeat(20_000);
        assert!(too_deep(&asserted, 10, false).is_none());
        // Read as JSX, `<T>` would make the rest children's text, and hide
        // what nests after it.
        let hidden = "let a = <T>x;\nlet b = ".to_owned() + &"(".repeat(50) + "1";
        assert!(too_deep(&hidden, 10, false).is_some());
        assert!(too_deep(&hidden, 10, true).is_none());
    }
}
