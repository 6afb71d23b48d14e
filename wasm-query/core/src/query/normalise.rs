//! Lexical normalisation: turns the few non-SQL tokens of the query language into SQL that
//! `sqlparser` reads, and remembers where every piece of the rewritten text came from so that
//! errors point at the text the user typed.
//!
//! Rewrites:
//! * `{a, b}` → `(a, b)`; `"text"` → `'text'` (in SQL double quotes make identifiers);
//! * words other than the language's keywords → `"word"` quoted identifiers, so that column
//!   names that happen to be SQL keywords (`interval`, `user`, ...) stay column names;
//! * `"sub" [NOT] IN col` → `[NOT] xcat_contains('sub', "col")`, and
//!   `{"w1", "w2"} [NOT] IN col` → `[NOT] xcat_contains('w1', 'w2', "col")`;
//! * `cone(...)` → `xcat_cone(N)`: its arguments (positions such as `00 42 44 +41 16 09`,
//!   radii such as `10'` or `30"`) are not SQL and are kept, raw, for the parser.

use super::ast::Span;
use super::error::{Position, QueryError};

/// Words the rewritten SQL keeps as keywords; every other word becomes a quoted identifier.
const KEYWORDS: [&str; 11] = [
    "and", "or", "not", "in", "is", "null", "between", "true", "false", "like", "ilike",
];

/// Internal function names produced by the rewriting.
pub(crate) const CONE_FN: &str = "xcat_cone";
pub(crate) const CONTAINS_FN: &str = "xcat_contains";

/// The raw arguments of one `cone(...)` call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConeCall {
    /// The whole call in the original text.
    pub span: Span,
    /// Each argument, trimmed, with its span.
    pub args: Vec<(String, Span)>,
}

/// A query rewritten for sqlparser, with the map back to the original text.
#[derive(Debug, Clone)]
pub(crate) struct Normalised {
    /// The SQL text.
    pub sql: String,
    /// (start in `sql`, start in the original, copied verbatim) per piece, by `sql` offset.
    segments: Vec<(usize, usize, bool)>,
    /// The `cone(...)` calls, by their index in `xcat_cone(N)`.
    pub cones: Vec<ConeCall>,
    /// Start of the longest run of prefix operators (NOT, unary signs), and its length.
    pub longest_prefix_run: (usize, usize),
    /// Byte offset of every character of `sql`.
    char_starts: Vec<usize>,
    /// Index in `char_starts` of the first character of each line.
    line_first_char: Vec<usize>,
}

impl Normalised {
    /// `sql` taken as it is (ADQL is SQL already), found at byte `base` of the original text.
    pub fn verbatim(sql: &str, base: usize) -> Normalised {
        let (char_starts, line_first_char) = char_tables(sql);
        Normalised {
            sql: sql.to_string(),
            segments: vec![(0, base, true)],
            cones: Vec::new(),
            longest_prefix_run: (base, 0),
            char_starts,
            line_first_char,
        }
    }

    /// Original offset of byte `offset` of the SQL text.
    pub fn original_offset(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|s| s.0 <= offset);
        match i.checked_sub(1).and_then(|i| self.segments.get(i)) {
            Some(&(sql_start, orig_start, true)) => orig_start + (offset - sql_start),
            Some(&(_, orig_start, false)) => orig_start,
            None => 0,
        }
    }

    /// Byte offset in the SQL text of a sqlparser location (1-based line and character column).
    pub fn sql_offset(&self, line: u64, column: u64) -> usize {
        let line = usize::try_from(line).unwrap_or(usize::MAX).max(1);
        let column = usize::try_from(column).unwrap_or(usize::MAX).max(1);
        let Some(&first) = self.line_first_char.get(line - 1) else {
            return self.sql.len();
        };
        // Last valid index on the line: its newline, or the end of the text.
        let line_end = self
            .line_first_char
            .get(line)
            .map_or(self.char_starts.len(), |next| next.saturating_sub(1));
        let index = first.saturating_add(column - 1).min(line_end);
        self.char_starts
            .get(index)
            .copied()
            .unwrap_or(self.sql.len())
    }
}

/// Byte offset of every character of `sql`, and the character index where each line starts.
fn char_tables(sql: &str) -> (Vec<usize>, Vec<usize>) {
    let mut char_starts = Vec::with_capacity(sql.len());
    let mut line_first_char = vec![0];
    for (n, (i, c)) in sql.char_indices().enumerate() {
        char_starts.push(i);
        if c == '\n' {
            line_first_char.push(n + 1);
        }
    }
    (char_starts, line_first_char)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word,
    Number,
    Str { value: String, double: bool },
    Open(char),
    Close(char),
    Comma,
    Cone(usize),
    Comment,
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn syntax(text: &str, start: usize, end: usize, message: impl Into<String>) -> QueryError {
    QueryError::Syntax {
        at: Position::of(text, start, end),
        message: message.into(),
    }
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Reads a quoted string starting at `start` (the quote); doubled quotes stand for one.
/// Returns the value and the end offset.
fn read_string(text: &str, start: usize) -> Result<(String, usize), QueryError> {
    let quote = text[start..].chars().next().unwrap_or('\'');
    let mut value = String::new();
    let mut chars = text[start + 1..].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            if chars.peek().map(|&(_, n)| n) == Some(quote) {
                value.push(quote);
                chars.next();
            } else {
                return Ok((value, start + 1 + i + 1));
            }
        } else {
            value.push(c);
        }
    }
    Err(syntax(
        text,
        start,
        text.len(),
        format!("unterminated string: add the closing {quote}"),
    ))
}

/// Scans the raw arguments of `cone(` whose opening parenthesis is at `open`. Quotes right
/// after a digit are units (`10'`, `30"`, `41°16'09"`), not strings.
fn read_cone_args(
    text: &str,
    name_start: usize,
    open: usize,
) -> Result<(Vec<(String, Span)>, usize), QueryError> {
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut arg_start = open + 1;
    let mut prev: Option<char> = None;
    let mut i = open + 1;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        let next = i + c.len_utf8();
        match c {
            '\'' | '"' if !prev.is_some_and(|p| p.is_ascii_digit()) => {
                let (_, end) = read_string(text, i)?;
                i = end;
                prev = Some(c);
                continue;
            }
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            ')' | ',' if depth == 0 => {
                args.push(trimmed_arg(text, arg_start, i));
                if c == ')' {
                    return Ok((args, next));
                }
                arg_start = next;
            }
            _ => {}
        }
        prev = Some(c);
        i = next;
    }
    Err(syntax(
        text,
        name_start,
        text.len(),
        "cone( is not closed: add the closing )",
    ))
}

fn trimmed_arg(text: &str, start: usize, end: usize) -> (String, Span) {
    let raw = &text[start..end];
    let lead = raw.len() - raw.trim_start().len();
    let trimmed = raw.trim();
    (
        trimmed.to_string(),
        Span::new(start + lead, start + lead + trimmed.len()),
    )
}

fn tokenize(text: &str) -> Result<(Vec<Token>, Vec<ConeCall>), QueryError> {
    let mut tokens = Vec::new();
    let mut cones = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let c = rest.chars().next().unwrap_or(' ');
        let start = i;
        let (tok, end) = if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        } else if rest.starts_with("--") {
            (Tok::Comment, rest.find('\n').map_or(text.len(), |n| i + n))
        } else if rest.starts_with("/*") {
            match rest.find("*/") {
                Some(n) => (Tok::Comment, i + n + 2),
                None => {
                    return Err(syntax(text, i, text.len(), "unterminated comment: add */"));
                }
            }
        } else if c == '\'' || c == '"' {
            let (value, end) = read_string(text, i)?;
            (
                Tok::Str {
                    value,
                    double: c == '"',
                },
                end,
            )
        } else if c.is_ascii_digit()
            || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit()))
        {
            (Tok::Number, i + number_length(rest))
        } else if is_word_start(c) {
            let len = rest
                .find(|ch: char| !is_word_char(ch))
                .unwrap_or(rest.len());
            let word = &rest[..len];
            let after = rest[len..].trim_start();
            if word.eq_ignore_ascii_case("cone") && after.starts_with('(') {
                let open = text.len() - after.len();
                let (args, end) = read_cone_args(text, i, open)?;
                cones.push(ConeCall {
                    span: Span::new(i, end),
                    args,
                });
                (Tok::Cone(cones.len() - 1), end)
            } else {
                if word
                    .get(..5)
                    .is_some_and(|p| p.eq_ignore_ascii_case("xcat_"))
                {
                    return Err(syntax(text, i, i + len, format!("unknown name {word}")));
                }
                (Tok::Word, i + len)
            }
        } else {
            let tok = match c {
                '(' | '{' => Tok::Open(c),
                ')' | '}' => Tok::Close(c),
                ',' => Tok::Comma,
                _ => Tok::Other,
            };
            (tok, i + c.len_utf8())
        };
        tokens.push(Token { tok, start, end });
        i = end;
    }
    Ok((tokens, cones))
}

/// Length of the number at the start of `s`: digits, a decimal point, an exponent.
fn number_length(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

struct Writer<'a> {
    text: &'a str,
    sql: String,
    segments: Vec<(usize, usize, bool)>,
}

impl Writer<'_> {
    fn verbatim(&mut self, start: usize, end: usize) {
        if start < end {
            self.segments.push((self.sql.len(), start, true));
            self.sql.push_str(&self.text[start..end]);
        }
    }

    fn synthetic(&mut self, s: &str, origin: usize) {
        self.segments.push((self.sql.len(), origin, false));
        self.sql.push_str(s);
    }

    fn string_literal(&mut self, value: &str, origin: usize) {
        self.synthetic(&format!("'{}'", value.replace('\'', "''")), origin);
    }
}

fn word_is(text: &str, t: Option<&Token>, word: &str) -> bool {
    t.is_some_and(|t| t.tok == Tok::Word && text[t.start..t.end].eq_ignore_ascii_case(word))
}

/// Whether `tokens[k]` is a plain identifier (a word that is no keyword and not a function).
fn is_identifier(text: &str, tokens: &[Token], k: usize) -> bool {
    let Some(t) = tokens.get(k) else {
        return false;
    };
    t.tok == Tok::Word
        && !KEYWORDS
            .iter()
            .any(|kw| text[t.start..t.end].eq_ignore_ascii_case(kw))
        && tokens.get(k + 1).map(|n| &n.tok) != Some(&Tok::Open('('))
}

/// Matches `[NOT] IN ident` at `tokens[k..]`: returns (negated, ident index).
fn in_column(text: &str, tokens: &[Token], k: usize) -> Option<(bool, usize)> {
    let negated = word_is(text, tokens.get(k), "not");
    let k = k + usize::from(negated);
    (word_is(text, tokens.get(k), "in") && is_identifier(text, tokens, k + 1))
        .then_some((negated, k + 1))
}

/// Matches a brace set of strings at `tokens[k]`: returns the index of the closing brace.
fn string_set(tokens: &[Token], k: usize) -> Option<usize> {
    if tokens.get(k)?.tok != Tok::Open('{') {
        return None;
    }
    let mut j = k + 1;
    loop {
        if !matches!(tokens.get(j)?.tok, Tok::Str { .. }) {
            return None;
        }
        match tokens.get(j + 1)?.tok {
            Tok::Comma => j += 2,
            Tok::Close('}') => return Some(j + 1),
            _ => return None,
        }
    }
}

/// Rewrites `text` for sqlparser; fails on unterminated strings or comments, unclosed cones,
/// empty sets and parentheses nested deeper than `max_depth`.
pub(crate) fn normalise(text: &str, max_depth: usize) -> Result<Normalised, QueryError> {
    let (tokens, cones) = tokenize(text)?;
    let mut w = Writer {
        text,
        sql: String::with_capacity(text.len() + 16),
        segments: Vec::new(),
    };
    // Nesting as the parser sees it: open parentheses plus prefix operators in a row (NOT NOT
    // -x), including those still open outside each parenthesis.
    let mut outer_runs: Vec<usize> = Vec::new();
    let mut run = (0usize, 0usize);
    let mut longest_prefix_run = (0usize, 0usize);
    let mut gap_start = 0;
    let mut k = 0;
    while k < tokens.len() {
        let t = &tokens[k];
        w.verbatim(gap_start, t.start);
        let word = &text[t.start..t.end];
        let prefix = (t.tok == Tok::Word && word.eq_ignore_ascii_case("not"))
            || (t.tok == Tok::Other && (word == "-" || word == "+"));
        match t.tok {
            _ if prefix => {
                if run.1 == 0 {
                    run.0 = t.start;
                }
                run.1 += 1;
                if run.1 > longest_prefix_run.1 {
                    longest_prefix_run = run;
                }
            }
            Tok::Open(_) => {
                outer_runs.push(run.1);
                run = (0, 0);
            }
            Tok::Close(_) => {
                outer_runs.pop();
                run = (0, 0);
            }
            Tok::Comment => {}
            _ => run = (0, 0),
        }
        let nesting = outer_runs.len() + outer_runs.iter().sum::<usize>() + run.1;
        if nesting > max_depth {
            return Err(QueryError::TooDeep {
                at: Position::of(text, t.start, t.end),
                max: max_depth,
            });
        }
        let mut next = k + 1;
        match &t.tok {
            Tok::Str { value, .. } if in_column(text, &tokens, k + 1).is_some() => {
                let (negated, ident) = in_column(text, &tokens, k + 1).unwrap_or((false, k));
                let not = if negated { "NOT " } else { "" };
                w.synthetic(&format!("{not}{CONTAINS_FN}("), t.start);
                w.string_literal(value, t.start);
                w.synthetic(", ", tokens[k + 1].start);
                let id = &tokens[ident];
                w.synthetic("\"", id.start);
                w.verbatim(id.start, id.end);
                w.synthetic("\")", id.end);
                next = ident + 1;
            }
            Tok::Open('{')
                if string_set(&tokens, k)
                    .is_some_and(|c| in_column(text, &tokens, c + 1).is_some()) =>
            {
                let close = string_set(&tokens, k).unwrap_or(k);
                let (negated, ident) = in_column(text, &tokens, close + 1).unwrap_or((false, k));
                let not = if negated { "NOT " } else { "" };
                w.synthetic(&format!("{not}{CONTAINS_FN}("), t.start);
                for s in &tokens[k + 1..close] {
                    if let Tok::Str { value, .. } = &s.tok {
                        w.string_literal(value, s.start);
                        w.synthetic(", ", s.end);
                    }
                }
                let id = &tokens[ident];
                w.synthetic("\"", id.start);
                w.verbatim(id.start, id.end);
                w.synthetic("\")", id.end);
                next = ident + 1;
                // The braces were consumed here: close the level opened above.
                outer_runs.pop();
                run = (0, 0);
            }
            Tok::Open(c) => {
                if *c == '{' && tokens.get(k + 1).map(|n| &n.tok) == Some(&Tok::Close('}')) {
                    return Err(syntax(
                        text,
                        t.start,
                        tokens[k + 1].end,
                        "empty set: put at least one value between { and }",
                    ));
                }
                w.synthetic("(", t.start);
            }
            Tok::Close(_) => w.synthetic(")", t.start),
            Tok::Str {
                value,
                double: true,
            } => w.string_literal(value, t.start),
            Tok::Word if is_identifier(text, &tokens, k) => {
                w.synthetic("\"", t.start);
                w.verbatim(t.start, t.end);
                w.synthetic("\"", t.end);
            }
            Tok::Cone(n) => w.synthetic(&format!("{CONE_FN}({n})"), t.start),
            _ => w.verbatim(t.start, t.end),
        }
        gap_start = tokens[next - 1].end;
        k = next;
    }
    w.verbatim(gap_start, text.len());
    w.segments.push((w.sql.len(), text.len(), false));
    let (char_starts, line_first_char) = char_tables(&w.sql);
    Ok(Normalised {
        char_starts,
        line_first_char,
        sql: w.sql,
        segments: w.segments,
        cones,
        longest_prefix_run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(text: &str) -> String {
        normalise(text, 64).unwrap().sql
    }

    #[test]
    fn rewrites() {
        assert_eq!(sql("srcid IN {3, 4}"), "\"srcid\" IN (3, 4)");
        assert_eq!(sql("x = \"it's\""), "\"x\" = 'it''s'");
        assert_eq!(sql("x = 'it''s'"), "\"x\" = 'it''s'");
        assert_eq!(
            sql("\"J1326\" IN iauname"),
            "xcat_contains('J1326', \"iauname\")"
        );
        assert_eq!(
            sql("{\"a\",\"b\"} not in name"),
            "NOT xcat_contains('a', 'b', \"name\")"
        );
        assert_eq!(
            sql("cone(M31, 10') AND x > 1e-12"),
            "xcat_cone(0) AND \"x\" > 1e-12"
        );
        assert_eq!(sql("NOT is_ulx -- flag"), "NOT \"is_ulx\" -- flag");
        // A set of strings after a column is an ordinary set.
        assert_eq!(sql("n IN {\"a\"}"), "\"n\" IN ('a')");
    }

    #[test]
    fn cone_arguments_keep_units() {
        let n = normalise(
            "cone(00h42m44s +41°16'09\", 30\") OR cone('M 31', '1deg')",
            64,
        )
        .unwrap();
        assert_eq!(n.cones.len(), 2);
        assert_eq!(n.cones[0].args[0].0, "00h42m44s +41°16'09\"");
        assert_eq!(n.cones[0].args[1].0, "30\"");
        assert_eq!(n.cones[1].args[0].0, "'M 31'");
        assert_eq!(n.cones[1].args[1].0, "'1deg'");
        assert_eq!(n.sql, "xcat_cone(0) OR xcat_cone(1)");
    }

    #[test]
    fn offsets_map_back() {
        let text = "ab = {\"x\"} AND é > 1";
        let n = normalise(text, 64).unwrap();
        assert_eq!(n.sql, "\"ab\" = ('x') AND \"é\" > 1");
        // The opening quote of "ab" and the word itself map to the word's start.
        assert_eq!(n.original_offset(0), 0);
        assert_eq!(n.original_offset(1), 0);
        assert_eq!(n.original_offset(2), 1);
        // '>' after the quoted é.
        let gt = n.sql.find('>').unwrap();
        assert_eq!(n.original_offset(gt), text.find('>').unwrap());
        assert_eq!(n.original_offset(n.sql.len()), text.len());
        assert_eq!(n.sql_offset(1, 1), 0);
        assert_eq!(n.sql_offset(1, 22), n.sql.find('>').unwrap());
        assert_eq!(n.sql_offset(1, 999), n.sql.len());
        assert_eq!(n.sql_offset(7, 1), n.sql.len());
        let n = normalise("a = 1\nAND b = 2", 64).unwrap();
        assert_eq!(n.sql_offset(2, 5), n.sql.find("\"b").unwrap());
        assert_eq!(n.sql_offset(1, 99), n.sql.find('\n').unwrap());
    }

    #[test]
    fn lexical_errors() {
        for (text, at) in [
            ("x = 'abc", 4),
            ("x = \"abc", 4),
            ("cone(M31, 1deg", 0),
            ("x IN {}", 5),
            ("/* x", 0),
            ("xcat_cone(1)", 0),
        ] {
            let e = normalise(text, 64).expect_err(text);
            assert_eq!(e.position().map(|p| p.offset), Some(at), "{text}: {e}");
        }
        let e = normalise("((((x))))", 3).unwrap_err();
        assert!(matches!(e, QueryError::TooDeep { max: 3, .. }), "{e:?}");
        assert_eq!(e.position().map(|p| p.offset), Some(3));
    }

    #[test]
    fn prefix_runs_are_measured() {
        let n = normalise("a AND NOT NOT - 1", 64).unwrap();
        assert_eq!(n.longest_prefix_run, (6, 3));
    }
}
