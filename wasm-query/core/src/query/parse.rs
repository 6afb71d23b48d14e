//! From text to syntax tree: recognises a query that is only a target, otherwise normalises
//! the text (see [`super::normalise`]), parses it with `sqlparser` (`GenericDialect`) as one
//! expression that must reach the end of the text, and converts sqlparser's AST into
//! [`Syntax`] with spans in the original text.

use super::QueryOptions;
use super::ast::{CmpOp, Literal, Span, Syntax, TargetSyntax};
use super::error::{Position, QueryError};
use super::normalise::{CONE_FN, CONTAINS_FN, ConeCall, Normalised, normalise};
use crate::coords::{looks_like_position, parse_position, parse_radius};
use crate::names::{is_catalogue_designation, parse_iau_designation};
use sqlparser::ast::{
    BinaryOperator, Expr as SqlExpr, FunctionArg, FunctionArgExpr, FunctionArguments, Spanned,
    UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

/// Parser recursion budget per level of the query's own nesting limit: one parenthesised
/// level or prefix operator costs sqlparser a few recursive calls.
const RECURSION_PER_LEVEL: usize = 4;

/// Words that make a text a condition rather than an object name.
const CONDITION_WORDS: [&str; 9] = [
    "and", "or", "not", "in", "is", "between", "null", "like", "cone",
];

struct Ctx<'a> {
    text: &'a str,
    norm: Normalised,
    options: &'a QueryOptions,
}

impl Ctx<'_> {
    fn span(&self, s: sqlparser::tokenizer::Span) -> Span {
        let start = self.norm.sql_offset(s.start.line, s.start.column);
        let end = self.norm.sql_offset(s.end.line, s.end.column);
        let (a, b) = (
            self.norm.original_offset(start),
            self.norm.original_offset(end),
        );
        Span::new(a, b)
    }

    fn position(&self, span: Span) -> Position {
        Position::of(self.text, span.start, span.end)
    }

    fn unsupported(&self, span: Span, message: impl Into<String>) -> QueryError {
        QueryError::Unsupported {
            at: self.position(span),
            message: message.into(),
        }
    }
}

/// Reads `text` into a syntax tree (no schema needed). Enforces the length, nesting and set
/// size limits of `options`.
pub fn parse_syntax(text: &str, options: &QueryOptions) -> Result<Syntax, QueryError> {
    if text.len() > options.max_length {
        return Err(QueryError::TooLong {
            length: text.len(),
            max: options.max_length,
        });
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(QueryError::Empty);
    }
    let lead = text.len() - text.trim_start().len();
    let whole = Span::new(lead, lead + trimmed.len());
    if let Some(target) = whole_query_target(trimmed) {
        return Ok(Syntax::Target(target, whole));
    }
    match parse_sql(text, options) {
        Err(QueryError::Syntax { .. }) if looks_like_name(trimmed) => Ok(Syntax::Target(
            TargetSyntax::Name(trimmed.to_string()),
            whole,
        )),
        other => other,
    }
}

/// A query that is only a target: a quoted name, an IAU or catalogue designation, coordinates.
fn whole_query_target(trimmed: &str) -> Option<TargetSyntax> {
    if let Some(inner) = unquote(trimmed) {
        return Some(match parse_position(&inner) {
            Ok((ra, dec)) => TargetSyntax::Position { ra, dec },
            Err(_) => TargetSyntax::Name(inner),
        });
    }
    if parse_iau_designation(trimmed).is_some() || is_catalogue_designation(trimmed) {
        return Some(TargetSyntax::Name(trimmed.to_string()));
    }
    parse_position(trimmed)
        .ok()
        .map(|(ra, dec)| TargetSyntax::Position { ra, dec })
}

/// Whether a text that is not a valid condition reads as an object name (`Vela X-1`,
/// `3C 273`, `Sgr A*`): no operators, quotes or condition keywords.
fn looks_like_name(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "+-.*_".contains(c))
        && !text
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| CONDITION_WORDS.iter().any(|k| w.eq_ignore_ascii_case(k)))
}

/// The inside of a text wholly enclosed in one pair of quotes (doubled quotes collapsed).
fn unquote(s: &str) -> Option<String> {
    let q = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = s.strip_prefix(q)?.strip_suffix(q)?;
    let doubled = format!("{q}{q}");
    // A lone quote inside means the text is not one string (`'a' = 'b'`).
    if inner.replace(&doubled, "").contains(q) {
        return None;
    }
    Some(inner.replace(&doubled, &q.to_string()))
}

fn parse_sql(text: &str, options: &QueryOptions) -> Result<Syntax, QueryError> {
    let norm = normalise(text, options.max_depth)?;
    let ctx = Ctx {
        text,
        norm,
        options,
    };
    let dialect = GenericDialect {};
    let limit = options
        .max_depth
        .saturating_mul(RECURSION_PER_LEVEL)
        .max(16);
    let mut parser = Parser::new(&dialect)
        .with_recursion_limit(limit)
        .try_with_sql(&ctx.norm.sql)
        .map_err(|e| parser_error(&ctx, e))?;
    let expr = parser.parse_expr().map_err(|e| parser_error(&ctx, e))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        let span = ctx.span(next.span);
        return Err(QueryError::Syntax {
            at: ctx.position(span),
            message: format!(
                "unexpected {}: expected AND, OR or the end of the query",
                token_at(text, span.start)
            ),
        });
    }
    let syntax = convert(&ctx, &expr)?;
    check_depth(&ctx, &syntax, 0)?;
    Ok(syntax)
}

/// The word or character of the original text at `offset`, quoted, for messages.
fn token_at(text: &str, offset: usize) -> String {
    let rest = text.get(offset..).unwrap_or("").trim_start();
    let Some(c) = rest.chars().next() else {
        return "end of the query".to_string();
    };
    let len = if c.is_alphanumeric() || c == '_' {
        rest.find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '.'))
            .unwrap_or(rest.len())
    } else if "<>=!".contains(c) {
        rest.find(|ch: char| !"<>=!".contains(ch))
            .unwrap_or(rest.len())
    } else {
        c.len_utf8()
    };
    format!("'{}'", &rest[..len])
}

fn parser_error(ctx: &Ctx<'_>, e: ParserError) -> QueryError {
    let message = match e {
        ParserError::RecursionLimitExceeded => {
            let (start, _) = ctx.norm.longest_prefix_run;
            return QueryError::TooDeep {
                at: Position::of(ctx.text, start, start),
                max: ctx.options.max_depth,
            };
        }
        ParserError::ParserError(m) | ParserError::TokenizerError(m) => m,
    };
    let (body, offset) = match message.rfind(" at Line: ") {
        Some(i) => {
            let loc = &message[i + " at Line: ".len()..];
            let mut nums = loc
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<u64>().unwrap_or(1));
            let line = nums.next().unwrap_or(1);
            let column = nums.next().unwrap_or(1);
            let sql_offset = ctx.norm.sql_offset(line, column);
            (&message[..i], ctx.norm.original_offset(sql_offset))
        }
        None => (message.as_str(), ctx.text.len()),
    };
    let text = match body.strip_prefix("Expected: ") {
        Some(rest) => {
            let expected = rest.split(", found:").next().unwrap_or(rest);
            format!(
                "expected {expected} but found {}",
                token_at(ctx.text, offset)
            )
        }
        None => body.to_string(),
    };
    QueryError::Syntax {
        at: Position::of(ctx.text, offset, offset + 1),
        message: text,
    }
}

fn check_depth(ctx: &Ctx<'_>, s: &Syntax, depth: usize) -> Result<(), QueryError> {
    if depth > ctx.options.max_depth {
        return Err(QueryError::TooDeep {
            at: ctx.position(s.span()),
            max: ctx.options.max_depth,
        });
    }
    match s {
        Syntax::Not(e, _) => check_depth(ctx, e, depth + 1),
        Syntax::And(v) | Syntax::Or(v) => v.iter().try_for_each(|e| check_depth(ctx, e, depth + 1)),
        _ => Ok(()),
    }
}

fn number_literal(s: &str) -> Option<Literal> {
    if let Ok(i) = s.parse::<i64>() {
        return Some(Literal::Int(i));
    }
    s.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(Literal::Float)
}

fn comparison(op: &BinaryOperator) -> Option<CmpOp> {
    Some(match op {
        BinaryOperator::Eq => CmpOp::Eq,
        BinaryOperator::NotEq => CmpOp::Ne,
        BinaryOperator::Lt => CmpOp::Lt,
        BinaryOperator::LtEq => CmpOp::Le,
        BinaryOperator::Gt => CmpOp::Gt,
        BinaryOperator::GtEq => CmpOp::Ge,
        _ => return None,
    })
}

/// The terms of a chain of `op` (AND or OR), left to right. sqlparser nests such chains to
/// the left, one level per term, so the spine is walked with a loop rather than recursion.
fn flatten(
    ctx: &Ctx<'_>,
    e: &SqlExpr,
    op: &BinaryOperator,
    out: &mut Vec<Syntax>,
) -> Result<(), QueryError> {
    let mut rights = Vec::new();
    let mut node = e;
    while let SqlExpr::BinaryOp { left, op: o, right } = node {
        if o != op {
            break;
        }
        rights.push(right.as_ref());
        node = left;
    }
    out.push(convert(ctx, node)?);
    for r in rights.into_iter().rev() {
        match r {
            SqlExpr::BinaryOp { op: o, .. } if o == op => flatten(ctx, r, op, out)?,
            other => out.push(convert(ctx, other)?),
        }
    }
    Ok(())
}

fn convert(ctx: &Ctx<'_>, e: &SqlExpr) -> Result<Syntax, QueryError> {
    if let SqlExpr::BinaryOp {
        op: op @ (BinaryOperator::And | BinaryOperator::Or),
        ..
    } = e
    {
        let mut terms = Vec::new();
        flatten(ctx, e, op, &mut terms)?;
        return Ok(if *op == BinaryOperator::And {
            Syntax::And(terms)
        } else {
            Syntax::Or(terms)
        });
    }
    let span = ctx.span(e.span());
    Ok(match e {
        SqlExpr::Identifier(id) => Syntax::Ident(id.value.clone(), ctx.span(id.span)),
        SqlExpr::CompoundIdentifier(_) => {
            return Err(ctx.unsupported(
                span,
                "qualified names such as a.b are not supported; write the column name alone",
            ));
        }
        SqlExpr::Value(v) => {
            let lit = match &v.value {
                Value::Number(s, _) => number_literal(s)
                    .ok_or_else(|| ctx.unsupported(span, format!("number {s} is out of range")))?,
                Value::SingleQuotedString(s) => Literal::Str(s.clone()),
                Value::Boolean(b) => Literal::Bool(*b),
                Value::Null => Literal::Null,
                other => {
                    return Err(ctx.unsupported(
                        span,
                        format!(
                            "value {other} is not supported; use numbers, 'strings', true or false"
                        ),
                    ));
                }
            };
            Syntax::Literal(lit, span)
        }
        SqlExpr::UnaryOp { op, expr } => match op {
            UnaryOperator::Not => Syntax::Not(Box::new(convert(ctx, expr)?), span),
            UnaryOperator::Minus | UnaryOperator::Plus => {
                let negate = *op == UnaryOperator::Minus;
                match convert(ctx, expr)? {
                    Syntax::Literal(Literal::Int(i), s) => {
                        Syntax::Literal(Literal::Int(if negate { -i } else { i }), s)
                    }
                    Syntax::Literal(Literal::Float(x), s) => {
                        Syntax::Literal(Literal::Float(if negate { -x } else { x }), s)
                    }
                    _ => return Err(ctx.unsupported(span, "a sign can only precede a number")),
                }
            }
            _ => return Err(ctx.unsupported(span, format!("operator {op} is not supported"))),
        },
        SqlExpr::BinaryOp { left, op, right } => {
            if let Some(cmp) = comparison(op) {
                Syntax::Compare(
                    cmp,
                    Box::new(convert(ctx, left)?),
                    Box::new(convert(ctx, right)?),
                    span,
                )
            } else {
                return Err(ctx.unsupported(
                    span,
                    format!("operator {op} is not supported; queries compare columns with values (= != < <= > >=)"),
                ));
            }
        }
        SqlExpr::Nested(inner) => convert(ctx, inner)?,
        SqlExpr::Between {
            expr,
            negated,
            low,
            high,
        } => Syntax::Between {
            expr: Box::new(convert(ctx, expr)?),
            low: Box::new(convert(ctx, low)?),
            high: Box::new(convert(ctx, high)?),
            negated: *negated,
            span,
        },
        SqlExpr::InList {
            expr,
            list,
            negated,
        } => {
            if list.len() > ctx.options.max_set_size {
                return Err(QueryError::SetTooLarge {
                    at: ctx.position(span),
                    size: list.len(),
                    max: ctx.options.max_set_size,
                });
            }
            Syntax::InList {
                expr: Box::new(convert(ctx, expr)?),
                list: list
                    .iter()
                    .map(|x| convert(ctx, x))
                    .collect::<Result<_, _>>()?,
                negated: *negated,
                span,
            }
        }
        SqlExpr::IsNull(inner) | SqlExpr::IsNotNull(inner) => Syntax::IsNull {
            expr: Box::new(convert(ctx, inner)?),
            negated: matches!(e, SqlExpr::IsNotNull(_)),
            span,
        },
        SqlExpr::Function(f) => function(ctx, f, span)?,
        SqlExpr::Like { .. } | SqlExpr::ILike { .. } => {
            return Err(ctx.unsupported(
                span,
                "LIKE is not supported; to find text in a column write \"text\" IN column",
            ));
        }
        SqlExpr::Tuple(_) => {
            return Err(ctx.unsupported(span, "a list of values must follow IN: column IN {a, b}"));
        }
        _ => {
            return Err(ctx.unsupported(
                span,
                "this is not supported in queries; see the query language documentation",
            ));
        }
    })
}

fn function(ctx: &Ctx<'_>, f: &sqlparser::ast::Function, span: Span) -> Result<Syntax, QueryError> {
    let name = f.name.to_string();
    let args: Vec<&SqlExpr> = match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if name == CONE_FN {
        let index = match args.first() {
            Some(SqlExpr::Value(v)) => match &v.value {
                Value::Number(n, _) => n.parse::<usize>().ok(),
                _ => None,
            },
            _ => None,
        };
        let call = index
            .and_then(|i| ctx.norm.cones.get(i))
            .ok_or_else(|| ctx.unsupported(span, "malformed cone"))?;
        return cone(ctx, call);
    }
    if name == CONTAINS_FN {
        let (column, words) = args
            .split_last()
            .ok_or_else(|| ctx.unsupported(span, "malformed text search"))?;
        let words = words
            .iter()
            .map(|w| match w {
                SqlExpr::Value(v) => match &v.value {
                    Value::SingleQuotedString(s) => Ok(s.clone()),
                    _ => Err(ctx.unsupported(span, "text search needs strings")),
                },
                _ => Err(ctx.unsupported(span, "text search needs strings")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if words.len() > ctx.options.max_set_size {
            return Err(QueryError::SetTooLarge {
                at: ctx.position(span),
                size: words.len(),
                max: ctx.options.max_set_size,
            });
        }
        return Ok(Syntax::Contains {
            words,
            column: Box::new(convert(ctx, column)?),
            span,
        });
    }
    Err(ctx.unsupported(
        ctx.span(f.name.span()),
        format!("unknown function {name}(); the only function is cone(target, radius)"),
    ))
}

fn coordinates(ctx: &Ctx<'_>, span: Span, source: crate::coords::CoordError) -> QueryError {
    QueryError::Coordinates {
        at: ctx.position(span),
        source,
    }
}

fn plain(arg: &str) -> String {
    unquote(arg).unwrap_or_else(|| arg.to_string())
}

fn target(ctx: &Ctx<'_>, raw: &str, span: Span) -> Result<TargetSyntax, QueryError> {
    let s = plain(raw);
    let s = s.trim();
    if s.is_empty() {
        return Err(ctx.unsupported(span, "cone needs a target: an object name or coordinates"));
    }
    if parse_iau_designation(s).is_some() {
        return Ok(TargetSyntax::Name(s.to_string()));
    }
    match parse_position(s) {
        Ok((ra, dec)) => Ok(TargetSyntax::Position { ra, dec }),
        Err(e) if looks_like_position(s) => Err(coordinates(ctx, span, e)),
        Err(_) => Ok(TargetSyntax::Name(s.to_string())),
    }
}

fn radius(ctx: &Ctx<'_>, raw: &str, span: Span) -> Result<f64, QueryError> {
    parse_radius(&plain(raw)).map_err(|e| coordinates(ctx, span, e))
}

/// `cone(target)`, `cone(target, radius)`, `cone(ra, dec)`, `cone(ra, dec, radius)`.
fn cone(ctx: &Ctx<'_>, call: &ConeCall) -> Result<Syntax, QueryError> {
    let is_number = |s: &str| !s.is_empty() && s.parse::<f64>().is_ok();
    let (target_syntax, target_span, radius_deg) = match call.args.as_slice() {
        [(t, ts)] => (target(ctx, t, *ts)?, *ts, None),
        [(ra, ras), (dec, decs)] if is_number(ra) => {
            let span = ras.join(*decs);
            (target(ctx, &format!("{ra} {dec}"), span)?, span, None)
        }
        [(t, ts), (r, rs)] => (target(ctx, t, *ts)?, *ts, Some(radius(ctx, r, *rs)?)),
        [(ra, ras), (dec, decs), (r, rs)] => {
            let span = ras.join(*decs);
            (
                target(ctx, &format!("{ra} {dec}"), span)?,
                span,
                Some(radius(ctx, r, *rs)?),
            )
        }
        _ => {
            return Err(ctx.unsupported(
                call.span,
                "cone takes a target and an optional radius: cone('M31', '1deg')",
            ));
        }
    };
    Ok(Syntax::Cone {
        target: target_syntax,
        target_span,
        radius_deg,
        span: call.span,
    })
}
