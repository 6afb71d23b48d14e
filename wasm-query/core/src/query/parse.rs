//! From text to syntax tree: recognises a query that is only a target, otherwise normalises
//! the text (see [`super::normalise`]), tokenizes it with `sqlparser` (`GenericDialect`), parses
//! it as one SQL expression that must reach the end of the text ([`super::sqlexpr`]), and
//! converts that into [`Syntax`] with spans in the original text.

use super::QueryOptions;
use super::ast::{ArithOp, Literal, MathFn, Span, Syntax, TargetSyntax};
use super::error::{Position, QueryError};
use super::normalise::{CONE_FN, CONTAINS_FN, ConeCall, Normalised, normalise};
use super::sqlexpr::{self, BinOp, Expr as SqlExpr, ParseError, Unary};
use crate::coords::{looks_like_position, parse_position, parse_radius};
use crate::names::{is_catalogue_designation, parse_iau_designation};

/// Parser recursion budget per level of the query's own nesting limit: one parenthesised
/// level or prefix operator costs the parser one or two recursive calls.
const RECURSION_PER_LEVEL: usize = 4;

/// Words that make a text a condition rather than an object name.
const CONDITION_WORDS: [&str; 9] = [
    "and", "or", "not", "in", "is", "between", "null", "like", "cone",
];

struct Ctx<'a> {
    text: &'a str,
    norm: Normalised,
    options: &'a QueryOptions,
    /// For an ADQL condition: the names that may qualify a column (`s` in `s.ra`).
    adql: Option<&'a [String]>,
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
        // Not a condition, but a name: `Cen X-3`, or `GX339-4` (one word that reads as a
        // subtraction; `srcid - 1`, spaced, stays arithmetic).
        Err(QueryError::Syntax { .. }) if looks_like_name(trimmed) => Ok(Syntax::Target(
            TargetSyntax::Name(trimmed.to_string()),
            whole,
        )),
        Ok(Syntax::Arith(..))
            if looks_like_name(trimmed) && !trimmed.contains(char::is_whitespace) =>
        {
            Ok(Syntax::Target(
                TargetSyntax::Name(trimmed.to_string()),
                whole,
            ))
        }
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
        adql: None,
    };
    condition(&ctx)
}

/// The WHERE condition of an ADQL query: bytes `start..end` of `text`, plain SQL (not the
/// query language's notation); columns may be qualified by one of `qualifiers`.
pub(crate) fn parse_adql_condition(
    text: &str,
    start: usize,
    end: usize,
    qualifiers: &[String],
    options: &QueryOptions,
) -> Result<Syntax, QueryError> {
    let ctx = Ctx {
        text,
        norm: Normalised::verbatim(&text[start..end], start),
        options,
        adql: Some(qualifiers),
    };
    condition(&ctx)
}

fn condition(ctx: &Ctx<'_>) -> Result<Syntax, QueryError> {
    let options = ctx.options;
    let limit = options
        .max_depth
        .saturating_mul(RECURSION_PER_LEVEL)
        .max(16);
    let expr = sqlexpr::parse(&ctx.norm.sql, limit).map_err(|e| parser_error(ctx, e))?;
    check_arithmetic_depth(ctx, &expr, options.max_depth)?;
    let syntax = convert(ctx, &expr)?;
    check_depth(ctx, &syntax, 0)?;
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

fn parser_error(ctx: &Ctx<'_>, e: ParseError) -> QueryError {
    let at_location = |l: sqlparser::tokenizer::Location| {
        ctx.norm
            .original_offset(ctx.norm.sql_offset(l.line, l.column))
    };
    let (offset, message) = match e {
        ParseError::TooDeep => {
            let (start, _) = ctx.norm.longest_prefix_run;
            return QueryError::TooDeep {
                at: Position::of(ctx.text, start, start),
                max: ctx.options.max_depth,
            };
        }
        ParseError::Tokenizer(m, location) => (at_location(location), m),
        ParseError::Expected { expected, at } => {
            let offset = at.map_or(ctx.text.len(), |s| at_location(s.start));
            (
                offset,
                format!(
                    "expected {expected} but found {}",
                    token_at(ctx.text, offset)
                ),
            )
        }
        ParseError::Trailing(span) => {
            let offset = at_location(span.start);
            (
                offset,
                format!(
                    "unexpected {}: expected AND, OR or the end of the query",
                    token_at(ctx.text, offset)
                ),
            )
        }
    };
    QueryError::Syntax {
        at: Position::of(ctx.text, offset, offset + 1),
        message,
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
        Syntax::Not(e, _) | Syntax::Neg(e, _) => check_depth(ctx, e, depth + 1),
        Syntax::Arith(_, a, b, _) | Syntax::Compare(_, a, b, _) => {
            check_depth(ctx, a, depth + 1)?;
            check_depth(ctx, b, depth + 1)
        }
        Syntax::Call { args, .. } => args.iter().try_for_each(|e| check_depth(ctx, e, depth + 1)),
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

/// The terms of a chain of `op` (AND or OR), left to right. Such chains nest to the left,
/// one level per term, so the spine is walked with a loop rather than recursion.
fn flatten(ctx: &Ctx<'_>, e: &SqlExpr, op: BinOp, out: &mut Vec<Syntax>) -> Result<(), QueryError> {
    let mut rights = Vec::new();
    let mut node = e;
    while let SqlExpr::Binary(o, left, right, _) = node {
        if *o != op {
            break;
        }
        rights.push(right.as_ref());
        node = left;
    }
    out.push(convert(ctx, node)?);
    for r in rights.into_iter().rev() {
        match r {
            SqlExpr::Binary(o, ..) if *o == op => flatten(ctx, r, op, out)?,
            other => out.push(convert(ctx, other)?),
        }
    }
    Ok(())
}

fn convert(ctx: &Ctx<'_>, e: &SqlExpr) -> Result<Syntax, QueryError> {
    let span = ctx.span(e.span());
    Ok(match e {
        SqlExpr::Binary(op @ (BinOp::And | BinOp::Or), ..) => {
            let mut terms = Vec::new();
            flatten(ctx, e, *op, &mut terms)?;
            if *op == BinOp::And {
                Syntax::And(terms)
            } else {
                Syntax::Or(terms)
            }
        }
        SqlExpr::Ident(name, s) => Syntax::Ident(name.clone(), ctx.span(*s)),
        SqlExpr::Compound(parts, _) if ctx.adql.is_some() => {
            let (column, qualifier) = parts.split_last().expect("a compound has parts");
            let qualifier = qualifier.join(".");
            let known = ctx.adql.unwrap_or_default();
            if !known.iter().any(|q| q.eq_ignore_ascii_case(&qualifier)) {
                return Err(ctx.unsupported(
                    span,
                    format!(
                        "unknown table {qualifier}: the query reads one table ({})",
                        known.join(", ")
                    ),
                ));
            }
            Syntax::Ident(column.clone(), span)
        }
        SqlExpr::Compound(..) => {
            return Err(ctx.unsupported(
                span,
                "qualified names such as a.b are not supported; write the column name alone",
            ));
        }
        SqlExpr::Number(s, _) => Syntax::Literal(
            number_literal(s)
                .ok_or_else(|| ctx.unsupported(span, format!("number {s} is out of range")))?,
            span,
        ),
        SqlExpr::Str(s, _) => Syntax::Literal(Literal::Str(s.clone()), span),
        SqlExpr::Bool(b, _) => Syntax::Literal(Literal::Bool(*b), span),
        SqlExpr::Null(_) => Syntax::Literal(Literal::Null, span),
        SqlExpr::OtherValue(v, _) => {
            return Err(ctx.unsupported(
                span,
                format!("value {v} is not supported; use numbers, 'strings', true or false"),
            ));
        }
        SqlExpr::Unary(Unary::Not, inner, _) => Syntax::Not(Box::new(convert(ctx, inner)?), span),
        SqlExpr::Unary(op, inner, _) => {
            let negate = *op == Unary::Minus;
            match convert(ctx, inner)? {
                Syntax::Literal(Literal::Int(i), s) => {
                    Syntax::Literal(Literal::Int(if negate { -i } else { i }), s)
                }
                Syntax::Literal(Literal::Float(x), s) => {
                    Syntax::Literal(Literal::Float(if negate { -x } else { x }), s)
                }
                x @ (Syntax::Ident(..)
                | Syntax::Arith(..)
                | Syntax::Neg(..)
                | Syntax::Call { .. }) => {
                    if negate {
                        Syntax::Neg(Box::new(x), span)
                    } else {
                        x
                    }
                }
                _ => {
                    return Err(ctx.unsupported(
                        span,
                        "a sign can only precede a number, a column or an arithmetic expression",
                    ));
                }
            }
        }
        SqlExpr::Binary(BinOp::Cmp(cmp), left, right, _)
            if ctx.adql.is_some() && (is_geometry(left) || is_geometry(right)) =>
        {
            super::adql::geometry(ctx.text, *cmp, left, right, span, &|s| ctx.span(s))?
        }
        SqlExpr::Binary(BinOp::Cmp(cmp), left, right, _) => Syntax::Compare(
            *cmp,
            Box::new(convert(ctx, left)?),
            Box::new(convert(ctx, right)?),
            span,
        ),
        SqlExpr::Binary(BinOp::Other(op), left, right, _) => {
            let op = match *op {
                "+" => ArithOp::Add,
                "-" => ArithOp::Sub,
                "*" => ArithOp::Mul,
                "/" => ArithOp::Div,
                "%" => {
                    return Err(
                        ctx.unsupported(span, "operator % is not supported; write mod(x, y)")
                    );
                }
                other => {
                    return Err(ctx.unsupported(
                        span,
                        format!("operator {other} is not supported; queries compare values (= != < <= > >=) and compute with + - * / and math functions"),
                    ));
                }
            };
            Syntax::Arith(
                op,
                Box::new(convert(ctx, left)?),
                Box::new(convert(ctx, right)?),
                span,
            )
        }
        SqlExpr::Between {
            expr,
            negated,
            low,
            high,
            ..
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
            ..
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
        SqlExpr::IsNull(inner, negated, _) => Syntax::IsNull {
            expr: Box::new(convert(ctx, inner)?),
            negated: *negated,
            span,
        },
        SqlExpr::Function { name, args, .. } if MathFn::named(name).is_some() => Syntax::Call {
            function: MathFn::named(name).expect("matched"),
            args: args
                .iter()
                .map(|a| convert(ctx, a))
                .collect::<Result<_, _>>()?,
            span,
        },
        SqlExpr::Function {
            name, name_span, ..
        } if name.eq_ignore_ascii_case("rand") => {
            return Err(ctx.unsupported(
                ctx.span(*name_span),
                "RAND() is not supported: the same query must always give the same rows",
            ));
        }
        SqlExpr::Function {
            name, name_span, ..
        } if ctx.adql.is_some() => {
            return Err(ctx.unsupported(
                ctx.span(*name_span),
                format!(
                    "{}() is not supported here; conditions on position are CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', ra0, dec0, radius)) = 1 and DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', ra0, dec0)) < radius",
                    name.to_ascii_uppercase()
                ),
            ));
        }
        SqlExpr::Function {
            name,
            name_span,
            args,
            ..
        } => function(ctx, name, ctx.span(*name_span), args, span)?,
        SqlExpr::Like {
            expr,
            pattern,
            negated,
            case_insensitive,
            ..
        } => {
            let SqlExpr::Str(pattern, _) = pattern.as_ref() else {
                return Err(ctx.unsupported(
                    ctx.span(pattern.span()),
                    "LIKE needs a quoted pattern: name LIKE '4XMM J1326%'",
                ));
            };
            Syntax::Like {
                expr: Box::new(convert(ctx, expr)?),
                pattern: pattern.clone(),
                negated: *negated,
                case_insensitive: *case_insensitive,
                span,
            }
        }
        SqlExpr::Tuple(_) => {
            return Err(ctx.unsupported(span, "a list of values must follow IN: column IN {a, b}"));
        }
        SqlExpr::Unsupported(..) => {
            return Err(ctx.unsupported(
                span,
                "this is not supported in queries; see the query language documentation",
            ));
        }
    })
}

/// The math functions, for messages: `abs(), ceiling(), …`.
fn math_functions() -> String {
    MathFn::ALL
        .iter()
        .map(|f| format!("{}()", f.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses arithmetic nested deeper than `max` (operators, signs and function calls), before
/// anything recurses over it: a chain `a + a + … + a` nests one level per term. The walk keeps
/// its own stack.
fn check_arithmetic_depth(ctx: &Ctx<'_>, e: &SqlExpr, max: usize) -> Result<(), QueryError> {
    let mut stack = vec![(e, 0usize)];
    while let Some((node, depth)) = stack.pop() {
        let (children, arithmetic): (Vec<&SqlExpr>, bool) = match node {
            SqlExpr::Binary(op, a, b, _) => {
                (vec![a.as_ref(), b.as_ref()], matches!(op, BinOp::Other(_)))
            }
            SqlExpr::Unary(_, x, _) => (vec![x.as_ref()], true),
            SqlExpr::IsNull(x, _, _) => (vec![x.as_ref()], false),
            SqlExpr::Function { args, .. } => (args.iter().collect(), true),
            SqlExpr::Between {
                expr, low, high, ..
            } => (vec![expr.as_ref(), low.as_ref(), high.as_ref()], false),
            SqlExpr::InList { expr, list, .. } => {
                let mut v = vec![expr.as_ref()];
                v.extend(list.iter());
                (v, false)
            }
            SqlExpr::Like { expr, .. } => (vec![expr.as_ref()], false),
            _ => (Vec::new(), false),
        };
        let depth = depth + usize::from(arithmetic);
        if depth > max {
            return Err(QueryError::TooDeep {
                at: ctx.position(ctx.span(node.span())),
                max,
            });
        }
        stack.extend(children.into_iter().map(|c| (c, depth)));
    }
    Ok(())
}

/// Whether `e` is an ADQL geometry function call (CONTAINS, DISTANCE).
fn is_geometry(e: &SqlExpr) -> bool {
    matches!(e, SqlExpr::Function { name, .. } if name.eq_ignore_ascii_case("contains") || name.eq_ignore_ascii_case("distance"))
}

fn function(
    ctx: &Ctx<'_>,
    name: &str,
    name_span: Span,
    args: &[SqlExpr],
    span: Span,
) -> Result<Syntax, QueryError> {
    if name == CONE_FN {
        let index = match args.first() {
            Some(SqlExpr::Number(n, _)) => n.parse::<usize>().ok(),
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
                SqlExpr::Str(s, _) => Ok(s.clone()),
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
        name_span,
        format!(
            "unknown function {name}(); the functions are cone(target, radius) and the math functions {}",
            math_functions()
        ),
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
