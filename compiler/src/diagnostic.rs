//! Errors and warnings with a place in a file, printed the way esbuild prints
//! them (`✘ [ERROR] …` and a code frame), because existing scripts and agents
//! grep for that shape.

use std::fmt::Write as _;

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a VFS file. `line` is 1-based; `column` is 0-based and counts
/// characters (as esbuild does); `length` is how many characters to underline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub length: u32,
    /// The text of the line, for the code frame.
    pub line_text: String,
}

impl Location {
    /// The location of `byte_offset..byte_offset + byte_len` in `source`.
    pub fn from_offset(file: &str, source: &str, byte_offset: usize, byte_len: usize) -> Location {
        let offset = floor_char_boundary(source, byte_offset.min(source.len()));
        let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[offset..]
            .find('\n')
            .map_or(source.len(), |i| offset + i);
        let line = source[..offset].matches('\n').count() as u32 + 1;
        let column = source[line_start..offset].chars().count() as u32;
        let end = floor_char_boundary(source, (offset + byte_len).min(line_end));
        let length = source[offset..end].chars().count() as u32;
        Location {
            file: file.to_owned(),
            line,
            column,
            length,
            line_text: source[line_start..line_end]
                .trim_end_matches('\r')
                .to_owned(),
        }
    }

    /// A location with no code frame (line 1, column 0), for whole-file problems.
    pub fn file_only(file: &str) -> Location {
        Location {
            file: file.to_owned(),
            line: 1,
            column: 0,
            length: 0,
            line_text: String::new(),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A secondary message with its own location ("The opening tag is here:").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub location: Option<Location>,
}

/// One error or warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    pub notes: Vec<Note>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, location: Option<Location>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location,
            notes: Vec::new(),
        }
    }

    pub fn warning(message: impl Into<String>, location: Option<Location>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            message: message.into(),
            location,
            notes: Vec::new(),
        }
    }

    pub fn with_note(mut self, text: impl Into<String>, location: Option<Location>) -> Diagnostic {
        self.notes.push(Note {
            text: text.into(),
            location,
        });
        self
    }

    /// The esbuild-style text: headline, code frame, notes.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let tag = match self.severity {
            Severity::Error => "✘ [ERROR]",
            Severity::Warning => "▲ [WARNING]",
        };
        let _ = writeln!(out, "{tag} {}\n", self.message);
        if let Some(location) = &self.location {
            render_frame(&mut out, location);
        }
        for note in &self.notes {
            let _ = writeln!(out, "  {}\n", note.text);
            if let Some(location) = &note.location {
                render_frame(&mut out, location);
            }
        }
        out
    }
}

fn render_frame(out: &mut String, location: &Location) {
    let _ = writeln!(
        out,
        "    {}:{}:{}:",
        location.file, location.line, location.column
    );
    if !location.line_text.is_empty() {
        let number = location.line.to_string();
        let _ = writeln!(out, "      {number} │ {}", location.line_text);
        let marker = if location.length == 0 {
            "^".to_owned()
        } else {
            "~".repeat(location.length as usize)
        };
        let _ = writeln!(
            out,
            "      {} ╵ {}{marker}",
            " ".repeat(number.len()),
            " ".repeat(location.column as usize)
        );
    }
    out.push('\n');
}

/// Renders a list of diagnostics as one text (the compile API's `error`).
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    diagnostics.iter().map(Diagnostic::render).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_esbuild() {
        let source = "import a from \"./a\";\nimport MissingPage from \"./pages/MissingPage\";\n";
        let offset = source.find("\"./pages").unwrap_or(0);
        let location = Location::from_offset(
            "src/routes.ts",
            source,
            offset,
            "\"./pages/MissingPage\"".len(),
        );
        assert_eq!(
            (location.line, location.column, location.length),
            (2, 24, 21)
        );
        let text =
            Diagnostic::error("Could not resolve \"./pages/MissingPage\"", Some(location)).render();
        assert_eq!(
            text,
            "✘ [ERROR] Could not resolve \"./pages/MissingPage\"\n\n    src/routes.ts:2:24:\n      2 │ import MissingPage from \"./pages/MissingPage\";\n        ╵                         ~~~~~~~~~~~~~~~~~~~~~\n\n"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let source = "const s = \"日本\"; oops";
        let location = Location::from_offset("a.ts", source, source.find("oops").unwrap_or(0), 4);
        assert_eq!((location.line, location.column), (1, 16));
    }
}
