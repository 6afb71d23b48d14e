//! ADQL (IVOA Astronomical Data Query Language 2.1) SELECT statements over one table, lowered
//! onto the query language's conditions so that both run on the same planner and engine:
//!
//! ```text
//! SELECT [TOP n] * | column [AS alias], …
//! FROM table [AS alias]
//! [WHERE condition]
//! [ORDER BY column [ASC | DESC], …]
//! [OFFSET n]
//! ```
//!
//! Conditions: comparisons, `[NOT] BETWEEN`, `[NOT] IN (…)`, `IS [NOT] NULL`, `[NOT] LIKE` and
//! `ILIKE`, `AND`, `OR`, `NOT`, and positions as ADQL writes them,
//! `CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ra0, dec0, radius)) = 1` (or `= 0`) and
//! `DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', ra0, dec0)) < radius` (or `>`; degrees),
//! which become cones: a cone still fetches only its tiles. Joins, `GROUP BY`, `HAVING`,
//! `DISTINCT`, set operations, subqueries, `WITH`, and arithmetic or functions elsewhere are
//! refused with their position.

use super::QueryOptions;
use super::ast::{CmpOp, Span, Syntax, TargetSyntax};
use super::error::{Position, QueryError};
use super::parse::parse_adql_condition;
use super::sqlexpr::{Expr as SqlExpr, Unary};
use sqlparser::dialect::GenericDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// The table a query reads, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct TableName {
    /// Schema (`xmm4_dr14` in `xmm4_dr14.sources`), if given.
    pub schema: Option<String>,
    /// Table.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A column of the select list or of ORDER BY.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnName {
    /// The column.
    pub name: String,
    /// The table or alias that qualifies it (`s` in `s.ra`).
    pub qualifier: Option<String>,
    /// `AS alias` in the select list.
    pub alias: Option<String>,
    /// `DESC` in ORDER BY.
    pub descending: bool,
    /// Where it is written.
    pub span: Span,
}

/// A SELECT statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// `TOP n`.
    pub top: Option<u64>,
    /// The select list; `None` for `*` (and for `COUNT(*)`).
    pub columns: Option<Vec<ColumnName>>,
    /// `SELECT COUNT(*) [AS name]`: the name of the one output column (`COUNT` by default).
    pub count: Option<String>,
    /// The table.
    pub table: TableName,
    /// Its alias (`FROM t AS s`).
    pub alias: Option<String>,
    /// The WHERE condition in the query language's terms.
    pub condition: Option<Syntax>,
    /// ORDER BY.
    pub order: Vec<ColumnName>,
    /// `OFFSET n`.
    pub offset: Option<u64>,
}

/// The ADQL schema of a catalogue release: its identifier as an ADQL name (`5xmm-dr15` →
/// `xmm5_dr15`, `4xmm-dr14` → `xmm4_dr14`); `xcat` for a site's only catalogue (empty id).
pub fn schema_name(release_id: &str) -> String {
    if release_id.is_empty() {
        return "xcat".into();
    }
    let id = release_id
        .to_ascii_lowercase()
        .replace(['-', '.', ' '], "_");
    let b = id.as_bytes();
    if b.len() > 4 && b[0].is_ascii_digit() && &id[1..4] == "xmm" {
        return format!("xmm{}{}", &id[..1], &id[4..]);
    }
    if b.first().is_some_and(u8::is_ascii_digit) {
        return format!("r{id}");
    }
    id
}

/// The tables of a catalogue in ADQL, by name in its schema.
pub const TABLES: [&str; 1] = ["sources"];

impl Select {
    /// Checks that the query reads table `sources` of `schema` (or `sources` unqualified).
    pub fn check_table(&self, text: &str, schema: &str) -> Result<(), QueryError> {
        let t = &self.table;
        let schema_ok = t
            .schema
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case(schema));
        if schema_ok && TABLES.iter().any(|n| n.eq_ignore_ascii_case(&t.name)) {
            return Ok(());
        }
        Err(QueryError::Unsupported {
            at: Position::of(text, t.span.start, t.span.end),
            message: format!(
                "unknown table {}{}: this catalogue's table is {schema}.sources",
                t.schema
                    .as_deref()
                    .map(|s| format!("{s}."))
                    .unwrap_or_default(),
                t.name
            ),
        })
    }

    /// What the statement asks of a run: its columns, order (unless `options` has a sort
    /// already) and window.
    pub fn apply(&self, options: &mut crate::chunk::RunOptions) {
        if self.count.is_some() {
            // Only the number of rows: no row is fetched.
            options.columns = Vec::new();
            options.limit = 0;
        } else if let Some(cols) = &self.columns {
            options.columns = cols.iter().map(|c| c.name.clone()).collect();
        } else {
            options.columns = vec!["*".into()];
        }
        // A sort chosen apart from the text (a click on a column of the query page) wins.
        if let (Some(o), None) = (self.order.first(), &options.sort) {
            options.sort = Some(o.name.clone());
            options.desc = o.descending;
            options.then = self.order[1..]
                .iter()
                .map(|o| (o.name.clone(), o.descending))
                .collect();
        }
        options.window = Some((
            usize::try_from(self.offset.unwrap_or(0)).unwrap_or(usize::MAX),
            self.top
                .map_or(usize::MAX, |t| usize::try_from(t).unwrap_or(usize::MAX)),
        ));
    }
}

/// Whether `text` reads as an ADQL query rather than a query-language condition: it starts
/// with the word SELECT.
pub fn looks_like_adql(text: &str) -> bool {
    let t = text.trim_start();
    // (`get`: the sixth byte may fall inside a character.)
    t.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select"))
        && t.get(6..)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '*'))
}

struct Tokens<'a> {
    text: &'a str,
    /// Tokens (whitespace and comments left out) with their byte ranges in `text`.
    list: Vec<(Token, usize, usize)>,
    pos: usize,
}

/// Byte offsets of sqlparser's 1-based (line, character column) locations in `text`.
fn offsets(text: &str) -> impl Fn(u64, u64) -> usize + '_ {
    let mut line_starts = vec![0];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    move |line, column| {
        let Some(&start) = usize::try_from(line)
            .ok()
            .and_then(|l| line_starts.get(l.saturating_sub(1)))
        else {
            return text.len();
        };
        let col = usize::try_from(column).unwrap_or(usize::MAX).max(1) - 1;
        text[start..]
            .char_indices()
            .nth(col)
            .map_or(text.len(), |(i, _)| start + i)
    }
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Result<Self, QueryError> {
        let at = offsets(text);
        let tokens = Tokenizer::new(&GenericDialect {}, text)
            .tokenize_with_location()
            .map_err(|e| {
                let o = at(e.location.line, e.location.column);
                QueryError::Syntax {
                    at: Position::of(text, o, o + 1),
                    message: e.message,
                }
            })?;
        let list = tokens
            .into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .map(|TokenWithSpan { token, span }| {
                let a = at(span.start.line, span.start.column);
                let b = at(span.end.line, span.end.column);
                (token, a, b.max(a))
            })
            .collect();
        Ok(Tokens { text, list, pos: 0 })
    }

    fn peek(&self) -> Option<&(Token, usize, usize)> {
        self.list.get(self.pos)
    }

    fn here(&self) -> Span {
        match self.peek() {
            Some(&(_, a, b)) => Span::new(a, b),
            None => Span::new(self.text.len(), self.text.len()),
        }
    }

    fn keyword_at(&self, k: usize, word: &str) -> bool {
        matches!(self.list.get(self.pos + k), Some((Token::Word(w), ..)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(word))
    }

    fn eat(&mut self, word: &str) -> bool {
        let yes = self.keyword_at(0, word);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn error(&self, span: Span, message: impl Into<String>) -> QueryError {
        QueryError::Syntax {
            at: Position::of(self.text, span.start, span.end.max(span.start + 1)),
            message: message.into(),
        }
    }

    fn unsupported(&self, span: Span, message: impl Into<String>) -> QueryError {
        QueryError::Unsupported {
            at: Position::of(self.text, span.start, span.end),
            message: message.into(),
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(&(_, a, b)) => format!("'{}'", &self.text[a..b]),
            None => "the end of the query".into(),
        }
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), QueryError> {
        if self.eat(word) {
            Ok(())
        } else {
            Err(self.error(
                self.here(),
                format!("expected {word} but found {}", self.found()),
            ))
        }
    }

    /// An identifier (plain or "quoted"), with its span.
    fn ident(&mut self, what: &str) -> Result<(String, Span), QueryError> {
        match self.peek() {
            Some((Token::Word(w), a, b))
                if w.quote_style.is_some() || !is_clause_word(&w.value) =>
            {
                let r = (w.value.clone(), Span::new(*a, *b));
                self.pos += 1;
                Ok(r)
            }
            _ => Err(self.error(
                self.here(),
                format!("expected {what} but found {}", self.found()),
            )),
        }
    }

    /// `a` or `a.b` (…): the parts.
    fn dotted(&mut self, what: &str) -> Result<(Vec<String>, Span), QueryError> {
        let (first, mut span) = self.ident(what)?;
        let mut parts = vec![first];
        while matches!(self.peek(), Some((Token::Period, ..))) {
            self.pos += 1;
            let (p, s) = self.ident(what)?;
            parts.push(p);
            span = span.join(s);
        }
        Ok((parts, span))
    }

    fn count(&mut self, what: &str) -> Result<u64, QueryError> {
        match self.peek() {
            Some((Token::Number(n, _), a, b)) => {
                let span = Span::new(*a, *b);
                let v = n.parse::<u64>().map_err(|_| {
                    self.error(span, format!("{what} needs a whole number, not {n}"))
                })?;
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.error(
                self.here(),
                format!("{what} needs a whole number but found {}", self.found()),
            )),
        }
    }

    /// `AS alias` or a bare alias.
    fn alias(&mut self) -> Result<Option<String>, QueryError> {
        if self.eat("AS") {
            return Ok(Some(self.ident("an alias")?.0));
        }
        match self.peek() {
            Some((Token::Word(w), ..)) if w.quote_style.is_some() || !is_clause_word(&w.value) => {
                Ok(Some(self.ident("an alias")?.0))
            }
            _ => Ok(None),
        }
    }
}

fn column_name(
    mut parts: Vec<String>,
    alias: Option<String>,
    descending: bool,
    span: Span,
) -> ColumnName {
    let name = parts.pop().unwrap_or_default();
    ColumnName {
        name,
        qualifier: (!parts.is_empty()).then(|| parts.join(".")),
        alias,
        descending,
        span,
    }
}

/// Words that end a clause or start another (never an alias or a column name unquoted).
fn is_clause_word(w: &str) -> bool {
    const WORDS: [&str; 24] = [
        "SELECT",
        "FROM",
        "WHERE",
        "ORDER",
        "GROUP",
        "HAVING",
        "OFFSET",
        "LIMIT",
        "UNION",
        "INTERSECT",
        "EXCEPT",
        "JOIN",
        "NATURAL",
        "INNER",
        "LEFT",
        "RIGHT",
        "FULL",
        "OUTER",
        "CROSS",
        "ON",
        "USING",
        "AS",
        "BY",
        "WITH",
    ];
    WORDS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

/// Reads an ADQL SELECT statement.
pub fn parse_select(text: &str, options: &QueryOptions) -> Result<Select, QueryError> {
    if text.len() > options.max_length {
        return Err(QueryError::TooLong {
            length: text.len(),
            max: options.max_length,
        });
    }
    let mut t = Tokens::new(text)?;
    if t.eat("WITH") {
        return Err(t.unsupported(t.here(), "WITH (common table expressions) is not supported"));
    }
    t.expect_keyword("SELECT")?;
    if t.keyword_at(0, "DISTINCT") {
        return Err(t.unsupported(
            t.here(),
            "SELECT DISTINCT is not supported; every row of the table is distinct already",
        ));
    }
    t.eat("ALL");
    let top = if t.eat("TOP") {
        Some(t.count("TOP")?)
    } else {
        None
    };
    // The select list.
    let mut count = None;
    let is_count = t.keyword_at(0, "COUNT")
        && matches!(t.list.get(t.pos + 1), Some((Token::LParen, ..)))
        && matches!(t.list.get(t.pos + 2), Some((Token::Mul, ..)))
        && matches!(t.list.get(t.pos + 3), Some((Token::RParen, ..)));
    let columns = if matches!(t.peek(), Some((Token::Mul, ..))) {
        t.pos += 1;
        None
    } else if is_count {
        t.pos += 4;
        count = Some(t.alias()?.unwrap_or_else(|| "COUNT".into()));
        if matches!(t.peek(), Some((Token::Comma, ..))) {
            return Err(t.unsupported(
                t.here(),
                "COUNT(*) is the only item of its select list (no GROUP BY)",
            ));
        }
        None
    } else {
        let mut list = Vec::new();
        loop {
            match t.peek() {
                Some((Token::Word(w), ..))
                    if w.quote_style.is_some() || !is_clause_word(&w.value) =>
                {
                    // A function call or an expression is not a plain column.
                    if matches!(t.list.get(t.pos + 1), Some((Token::LParen, ..))) {
                        return Err(t.unsupported(
                            t.here(),
                            format!(
                                "{}() in the select list is not supported; select columns by name",
                                w.value.to_ascii_uppercase()
                            ),
                        ));
                    }
                    let (parts, span) = t.dotted("a column")?;
                    if parts.last().is_some_and(|p| p == "*") {
                        return Err(t.unsupported(span, "write * alone or name the columns"));
                    }
                    if let Some((op, a, b)) = t.peek().filter(|(tok, ..)| {
                        matches!(
                            tok,
                            Token::Plus
                                | Token::Minus
                                | Token::Mul
                                | Token::Div
                                | Token::StringConcat
                        )
                    }) {
                        return Err(t.unsupported(Span::new(*a, *b), format!("arithmetic ({op}) in the select list is not supported; select columns by name")));
                    }
                    let alias = t.alias()?;
                    list.push(column_name(parts, alias, false, span));
                }
                _ => {
                    return Err(t.error(
                        t.here(),
                        format!("expected a column name or * but found {}", t.found()),
                    ));
                }
            }
            if matches!(t.peek(), Some((Token::Comma, ..))) {
                t.pos += 1;
            } else {
                break;
            }
        }
        Some(list)
    };
    t.expect_keyword("FROM")?;
    if matches!(t.peek(), Some((Token::LParen, ..))) {
        return Err(t.unsupported(t.here(), "subqueries are not supported; query one table"));
    }
    let (parts, span) = t.dotted("a table name")?;
    let (schema, name) = match parts.as_slice() {
        [name] => (None, name.clone()),
        [schema, name] => (Some(schema.clone()), name.clone()),
        _ => return Err(t.error(span, "a table is named table or schema.table")),
    };
    let table = TableName { schema, name, span };
    let alias = t.alias()?;
    if matches!(t.peek(), Some((Token::Comma, ..)))
        || ["JOIN", "NATURAL", "INNER", "LEFT", "RIGHT", "FULL", "CROSS"]
            .iter()
            .any(|k| t.keyword_at(0, k))
    {
        return Err(t.unsupported(t.here(), "joins are not supported; query one table"));
    }
    let mut qualifiers = vec![table.name.clone()];
    if let Some(s) = &table.schema {
        qualifiers.push(format!("{s}.{}", table.name));
    }
    qualifiers.extend(alias.clone());
    let check_qualifier = |t: &Tokens, c: &ColumnName| -> Result<(), QueryError> {
        match &c.qualifier {
            Some(q) if !qualifiers.iter().any(|k| k.eq_ignore_ascii_case(q)) => Err(t.unsupported(
                c.span,
                format!(
                    "unknown table {q}: the query reads one table ({})",
                    qualifiers.join(", ")
                ),
            )),
            _ => Ok(()),
        }
    };
    for c in columns.iter().flatten() {
        check_qualifier(&t, c)?;
    }
    // WHERE: the tokens up to the next clause at the outermost level of parentheses.
    let mut condition = None;
    if t.eat("WHERE") {
        let start = t.here().start;
        let mut depth = 0usize;
        let mut end = start;
        while let Some((tok, _, b)) = t.peek() {
            match tok {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                Token::Word(w)
                    if depth == 0
                        && w.quote_style.is_none()
                        && [
                            "ORDER",
                            "GROUP",
                            "HAVING",
                            "OFFSET",
                            "UNION",
                            "INTERSECT",
                            "EXCEPT",
                            "LIMIT",
                        ]
                        .iter()
                        .any(|k| w.value.eq_ignore_ascii_case(k)) =>
                {
                    break;
                }
                Token::SemiColon if depth == 0 => break,
                Token::Word(w)
                    if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("SELECT") =>
                {
                    return Err(
                        t.unsupported(t.here(), "subqueries are not supported; query one table")
                    );
                }
                _ => {}
            }
            end = *b;
            t.pos += 1;
        }
        if end == start {
            return Err(t.error(
                t.here(),
                format!("expected a condition after WHERE but found {}", t.found()),
            ));
        }
        condition = Some(parse_adql_condition(
            text,
            start,
            end,
            &qualifiers,
            options,
        )?);
    }
    if t.keyword_at(0, "GROUP") || t.keyword_at(0, "HAVING") {
        return Err(t.unsupported(
            t.here(),
            "GROUP BY and HAVING (aggregates) are not supported",
        ));
    }
    let mut order = Vec::new();
    if t.eat("ORDER") {
        t.expect_keyword("BY")?;
        loop {
            if matches!(t.peek(), Some((Token::Number(..), ..))) {
                return Err(t.unsupported(
                    t.here(),
                    "ORDER BY a column number is not supported; name the column",
                ));
            }
            let (parts, span) = t.dotted("a column to order by")?;
            let descending = if t.eat("DESC") {
                true
            } else {
                t.eat("ASC");
                false
            };
            let c = column_name(parts, None, descending, span);
            check_qualifier(&t, &c)?;
            order.push(c);
            if matches!(t.peek(), Some((Token::Comma, ..))) {
                t.pos += 1;
            } else {
                break;
            }
        }
    }
    let offset = if t.eat("OFFSET") {
        Some(t.count("OFFSET")?)
    } else {
        None
    };
    if t.keyword_at(0, "LIMIT") {
        return Err(t.unsupported(t.here(), "LIMIT is not ADQL; write SELECT TOP n"));
    }
    if ["UNION", "INTERSECT", "EXCEPT"]
        .iter()
        .any(|k| t.keyword_at(0, k))
    {
        return Err(t.unsupported(
            t.here(),
            "UNION, INTERSECT and EXCEPT are not supported; query one table",
        ));
    }
    if matches!(t.peek(), Some((Token::SemiColon, ..))) {
        t.pos += 1;
    }
    if t.peek().is_some() {
        return Err(t.error(
            t.here(),
            format!("unexpected {} after the end of the query", t.found()),
        ));
    }
    Ok(Select {
        top,
        columns,
        count,
        table,
        alias,
        condition,
        order,
        offset,
    })
}

/// A number, possibly signed, as an f64.
fn number(e: &SqlExpr) -> Option<f64> {
    match e {
        SqlExpr::Number(n, _) => n.parse::<f64>().ok().filter(|x| x.is_finite()),
        SqlExpr::Unary(Unary::Minus, inner, _) => number(inner).map(|x| -x),
        SqlExpr::Unary(Unary::Plus, inner, _) => number(inner),
        _ => None,
    }
}

/// A geometry call's arguments after an optional leading coordinate system (`'ICRS'` or `''`).
fn after_frame<'e>(
    text: &str,
    args: &'e [SqlExpr],
    span: Span,
) -> Result<&'e [SqlExpr], QueryError> {
    match args.first() {
        Some(SqlExpr::Str(frame, _)) => {
            if frame.trim().is_empty() || frame.trim().eq_ignore_ascii_case("ICRS") {
                Ok(&args[1..])
            } else {
                Err(QueryError::Unsupported {
                    at: Position::of(text, span.start, span.end),
                    message: format!(
                        "coordinate system '{frame}' is not supported; positions are ICRS"
                    ),
                })
            }
        }
        _ => Ok(args),
    }
}

/// What a POINT or a pair of coordinates names: the table's position columns, or a fixed
/// position.
enum Place {
    Columns,
    Fixed(f64, f64),
}

fn place(text: &str, e: &[SqlExpr], span: Span) -> Result<Place, QueryError> {
    let bad = |message: &str| QueryError::Unsupported {
        at: Position::of(text, span.start, span.end),
        message: message.to_string(),
    };
    match e {
        [a, b] if number(a).is_some() && number(b).is_some() => Ok(Place::Fixed(
            number(a).unwrap_or(0.0),
            number(b).unwrap_or(0.0),
        )),
        [a, b] if is_column(a) && is_column(b) => Ok(Place::Columns),
        _ => Err(bad(
            "a point is the table's position columns, POINT('ICRS', ra, dec), or a fixed position, POINT('ICRS', 201.7, -47.5)",
        )),
    }
}

fn is_column(e: &SqlExpr) -> bool {
    matches!(e, SqlExpr::Ident(..) | SqlExpr::Compound(..))
}

/// The arguments of `POINT(…)`.
fn point<'e>(
    text: &str,
    e: &'e SqlExpr,
    map: &dyn Fn(sqlparser::tokenizer::Span) -> Span,
) -> Option<Result<&'e [SqlExpr], QueryError>> {
    match e {
        SqlExpr::Function {
            name, args, span, ..
        } if name.eq_ignore_ascii_case("point") => Some(after_frame(text, args, map(*span))),
        _ => None,
    }
}

/// `CONTAINS(POINT, CIRCLE) op k` or `DISTANCE(POINT, POINT) op r` (either side of `op`) as a
/// cone, or its negation.
pub(crate) fn geometry(
    text: &str,
    op: CmpOp,
    left: &SqlExpr,
    right: &SqlExpr,
    span: Span,
    map: &dyn Fn(sqlparser::tokenizer::Span) -> Span,
) -> Result<Syntax, QueryError> {
    let unsupported = |s: Span, message: String| QueryError::Unsupported {
        at: Position::of(text, s.start, s.end),
        message,
    };
    let (call, value, op) = match (left, right) {
        (SqlExpr::Function { .. }, v) => (left, v, op),
        (v, SqlExpr::Function { .. }) => (right, v, op.flipped()),
        _ => unreachable!("one side is a geometry call"),
    };
    let SqlExpr::Function {
        name,
        args,
        span: call_span,
        ..
    } = call
    else {
        unreachable!("a function")
    };
    let call_span = map(*call_span);
    let Some(value) = number(value) else {
        return Err(unsupported(
            span,
            format!("{}(…) is compared with a number", name.to_ascii_uppercase()),
        ));
    };
    let cone = |ra: f64, dec: f64, radius: f64| -> Result<Syntax, QueryError> {
        if !(0.0..=180.0).contains(&radius) {
            return Err(unsupported(
                call_span,
                format!("radius {radius} is not an angle between 0 and 180 degrees"),
            ));
        }
        if !(-90.0..=90.0).contains(&dec) {
            return Err(unsupported(
                call_span,
                format!("declination {dec} is not between -90 and 90 degrees"),
            ));
        }
        Ok(Syntax::Cone {
            target: TargetSyntax::Position {
                ra: ra.rem_euclid(360.0),
                dec,
            },
            target_span: call_span,
            radius_deg: Some(radius),
            span,
        })
    };
    if name.eq_ignore_ascii_case("contains") {
        let [p, c] = args.as_slice() else {
            return Err(unsupported(
                call_span,
                "CONTAINS takes a POINT and a CIRCLE".into(),
            ));
        };
        let pargs = point(text, p, map)
            .ok_or_else(|| unsupported(call_span, "CONTAINS needs a POINT first".into()))??;
        if !matches!(place(text, pargs, call_span)?, Place::Columns) {
            return Err(unsupported(
                call_span,
                "the POINT of CONTAINS names the table's position columns: POINT('ICRS', ra, dec)"
                    .into(),
            ));
        }
        let circle = match c {
            SqlExpr::Function {
                name, args, span, ..
            } if name.eq_ignore_ascii_case("circle") => after_frame(text, args, map(*span))?,
            _ => {
                return Err(unsupported(
                    call_span,
                    "CONTAINS supports a CIRCLE('ICRS', ra, dec, radius) as its region".into(),
                ));
            }
        };
        let (ra, dec, r) = match circle {
            [a, b, r] => match (number(a), number(b), number(r)) {
                (Some(a), Some(b), Some(r)) => (a, b, r),
                _ => {
                    return Err(unsupported(
                        call_span,
                        "CIRCLE takes the centre and radius as numbers, in degrees".into(),
                    ));
                }
            },
            [p, r] => match (point(text, p, map), number(r)) {
                (Some(args), Some(r)) => match place(text, args?, call_span)? {
                    Place::Fixed(a, b) => (a, b, r),
                    Place::Columns => {
                        return Err(unsupported(
                            call_span,
                            "the CIRCLE's centre is a fixed position".into(),
                        ));
                    }
                },
                _ => {
                    return Err(unsupported(
                        call_span,
                        "CIRCLE takes a centre and a radius in degrees".into(),
                    ));
                }
            },
            _ => {
                return Err(unsupported(
                    call_span,
                    "CIRCLE takes a centre and a radius in degrees".into(),
                ));
            }
        };
        let inside = match (op, value) {
            (CmpOp::Eq, 1.0) | (CmpOp::Ne, 0.0) => true,
            (CmpOp::Eq, 0.0) | (CmpOp::Ne, 1.0) => false,
            _ => {
                return Err(unsupported(
                    span,
                    "CONTAINS(…) is compared with = 1 or = 0".into(),
                ));
            }
        };
        let c = cone(ra, dec, r)?;
        return Ok(if inside {
            c
        } else {
            Syntax::Not(Box::new(c), span)
        });
    }
    // DISTANCE(POINT, POINT), or DISTANCE(ra, dec, ra0, dec0) (ADQL 2.1).
    let places = match args.as_slice() {
        [p, q] => match (point(text, p, map), point(text, q, map)) {
            (Some(a), Some(b)) => (place(text, a?, call_span)?, place(text, b?, call_span)?),
            _ => return Err(unsupported(call_span, "DISTANCE takes two POINTs".into())),
        },
        [a, b, c, d] => (
            place(text, &[a.clone(), b.clone()], call_span)?,
            place(text, &[c.clone(), d.clone()], call_span)?,
        ),
        _ => return Err(unsupported(call_span, "DISTANCE takes two POINTs".into())),
    };
    let (ra, dec) = match places {
        (Place::Columns, Place::Fixed(a, b)) | (Place::Fixed(a, b), Place::Columns) => (a, b),
        _ => {
            return Err(unsupported(
                call_span,
                "DISTANCE compares the table's position with a fixed position".into(),
            ));
        }
    };
    let inside = match op {
        CmpOp::Lt | CmpOp::Le => true,
        CmpOp::Gt | CmpOp::Ge => false,
        _ => {
            return Err(unsupported(
                span,
                "DISTANCE(…) is compared with <, <=, > or >= a radius in degrees".into(),
            ));
        }
    };
    let c = cone(ra, dec, value)?;
    Ok(if inside {
        c
    } else {
        Syntax::Not(Box::new(c), span)
    })
}

/// A checked condition as ADQL, for a TAP service (`WHERE` text): the inverse of the lowering
/// above, so that a query-language query can be sent to a TAP service, or shown, as ADQL.
/// Cones must be resolved. `Err` names what ADQL cannot say here: a DETID link before its
/// lookup, a text search for words holding `%` or `_`, an empty set. `Ok(None)`: the query
/// has no condition (every row).
pub fn condition(expr: &super::Expr) -> Result<Option<String>, String> {
    use super::Expr as E;
    use super::ast::{Num, Operand, Scalar};
    fn scalar(s: &Scalar) -> String {
        match s {
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(x) => {
                let mut b = ryu_like(*x);
                if !b.contains(['.', 'e', 'E']) {
                    b.push_str(".0");
                }
                b
            }
            Scalar::Str(t) => format!("'{}'", t.replace('\'', "''")),
            Scalar::Bool(true) => "TRUE".into(),
            Scalar::Bool(false) => "FALSE".into(),
        }
    }
    fn ryu_like(x: f64) -> String {
        // Rust's shortest round-trip formatting, in exponent form for small and large values.
        let a = x.abs();
        if a != 0.0 && !(1e-4..1e15).contains(&a) {
            format!("{x:e}")
        } else {
            format!("{x}")
        }
    }
    fn ident(name: &str) -> String {
        let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if plain && !is_clause_word(name) {
            name.to_string()
        } else {
            format!("\"{}\"", name.replace('"', "\"\""))
        }
    }
    fn num(n: &Num) -> String {
        match n {
            Num::Column(c) => ident(&c.name),
            Num::Const(x) if *x < 0.0 => format!("({})", scalar(&Scalar::Float(*x))),
            Num::Const(x) => scalar(&Scalar::Float(*x)),
            Num::Neg(x) => format!("-({})", num(x)),
            Num::Bin(op, a, b) => format!("({} {} {})", num(a), op.symbol(), num(b)),
            Num::Call(f, args) => format!(
                "{}({})",
                f.name().to_ascii_uppercase(),
                args.iter().map(num).collect::<Vec<_>>().join(", ")
            ),
        }
    }
    fn go(e: &E) -> Result<String, String> {
        Ok(match e {
            E::Arith { lhs, op, rhs } => format!("{} {} {}", num(lhs), op.symbol(), num(rhs)),
            E::Const(_) => return Err("a constant condition".into()),
            E::Compare { column, op, rhs } => {
                let rhs = match rhs {
                    Operand::Scalar(s) => scalar(s),
                    Operand::Column(c) => ident(&c.name),
                };
                format!("{} {} {rhs}", ident(&column.name), op.symbol())
            }
            E::Between { column, low, high } => {
                format!(
                    "{} BETWEEN {} AND {}",
                    ident(&column.name),
                    scalar(low),
                    scalar(high)
                )
            }
            E::InSet { column, set } => {
                if set.is_empty() {
                    return Err("an empty set".into());
                }
                let items: Vec<String> = set.iter().map(scalar).collect();
                format!("{} IN ({})", ident(&column.name), items.join(", "))
            }
            E::IsNull { column, negated } => {
                format!(
                    "{} IS {}NULL",
                    ident(&column.name),
                    if *negated { "NOT " } else { "" }
                )
            }
            E::Contains { column, words } => {
                if words.iter().any(|w| w.contains(['%', '_'])) {
                    return Err("a text search for % or _".into());
                }
                let all: Vec<String> = words
                    .iter()
                    .map(|w| {
                        format!(
                            "{} ILIKE '%{}%'",
                            ident(&column.name),
                            w.replace('\'', "''")
                        )
                    })
                    .collect();
                format!("({})", all.join(" AND "))
            }
            E::Like {
                column,
                pattern,
                case_insensitive,
            } => format!(
                "{} {} '{}'",
                ident(&column.name),
                if *case_insensitive { "ILIKE" } else { "LIKE" },
                pattern.replace('\'', "''")
            ),
            E::IsTrue(column) => format!("{} = TRUE", ident(&column.name)),
            E::Linked { key, .. } => {
                return Err(format!(
                    "{key} IN {{…}} (a lookup in the site's {key} index)"
                ));
            }
            E::Cone(c) => {
                let (ra, dec) = c
                    .position()
                    .ok_or("a cone around a name not resolved yet")?;
                format!(
                    "CONTAINS(POINT('ICRS', {}, {}), CIRCLE('ICRS', {}, {}, {})) = 1",
                    ident(&c.ra_column),
                    ident(&c.dec_column),
                    ryu_like(ra),
                    ryu_like(dec),
                    ryu_like(c.radius_deg)
                )
            }
            E::Not(x) => format!("NOT ({})", go(x)?),
            E::And(v) => v
                .iter()
                .map(|x| go(x).map(|t| format!("({t})")))
                .collect::<Result<Vec<_>, _>>()?
                .join(" AND "),
            E::Or(v) => v
                .iter()
                .map(|x| go(x).map(|t| format!("({t})")))
                .collect::<Result<Vec<_>, _>>()?
                .join(" OR "),
        })
    }
    match expr {
        E::Const(true) => Ok(None),
        e => go(e).map(Some),
    }
}
