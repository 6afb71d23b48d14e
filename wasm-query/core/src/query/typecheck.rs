//! Checks a syntax tree against a schema: resolves column names (ignoring case, with "did you
//! mean" suggestions), checks that values and columns compare (numbers with numbers, strings
//! with strings, booleans with booleans), and turns targets into cones on the table's position
//! columns.

use super::QueryOptions;
use super::ast::{
    Centre, CmpOp, ColumnRef, Cone, Expr, Kind, Literal, Num, Operand, Scalar, Span, Syntax,
    TargetSyntax,
};
use super::error::{Position, QueryError};
use crate::schema::Schema;

struct Checker<'a> {
    text: &'a str,
    schema: &'a Schema,
    options: &'a QueryOptions,
}

/// Checks `syntax` (read from `text`) against `schema`.
pub fn check(
    text: &str,
    syntax: &Syntax,
    schema: &Schema,
    options: &QueryOptions,
) -> Result<Expr, QueryError> {
    let c = Checker {
        text,
        schema,
        options,
    };
    match syntax {
        // A single word that is no column: an object name.
        Syntax::Ident(name, span) if schema.get(name).is_none() => c.cone(
            &TargetSyntax::Name(name.clone()),
            *span,
            None,
            *span,
            c.suggestions(name),
        ),
        other => c.condition(other),
    }
}

fn describe(lit: &Literal) -> String {
    match lit {
        Literal::Int(i) => i.to_string(),
        Literal::Float(x) => x.to_string(),
        Literal::Str(s) => format!("'{s}'"),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "NULL".into(),
    }
}

impl Checker<'_> {
    fn at(&self, span: Span) -> Position {
        Position::of(self.text, span.start, span.end)
    }

    fn type_error(&self, span: Span, message: impl Into<String>) -> QueryError {
        QueryError::Type {
            at: self.at(span),
            message: message.into(),
        }
    }

    fn suggestions(&self, name: &str) -> Vec<String> {
        self.schema
            .suggest(name, 3)
            .into_iter()
            .map(String::from)
            .collect()
    }

    fn column(&self, name: &str, span: Span) -> Result<ColumnRef, QueryError> {
        match self.schema.get(name) {
            Some(f) => Ok(ColumnRef {
                name: f.name.clone(),
                kind: Kind::of(f.dtype),
                span,
            }),
            None => Err(QueryError::UnknownColumn {
                at: self.at(span),
                name: name.to_string(),
                suggestions: self.suggestions(name),
            }),
        }
    }

    /// The link key (as configured) and its target column when `s` names a link key that is
    /// not a column.
    fn link(&self, s: &Syntax) -> Option<(String, ColumnRef)> {
        let Syntax::Ident(name, span) = s else {
            return None;
        };
        if self.schema.get(name).is_some() {
            return None;
        }
        let (key, target) = self
            .options
            .links
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))?;
        let target = self.column(target, *span).ok()?;
        Some((key.clone(), target))
    }

    /// `key IN {values}` on a link key: the values must be integers.
    fn linked(
        &self,
        (key, target): (String, ColumnRef),
        values: &[Syntax],
    ) -> Result<Expr, QueryError> {
        let keys = values
            .iter()
            .map(|v| match v {
                Syntax::Literal(Literal::Int(i), _) => Ok(*i),
                other => Err(self.type_error(
                    other.span(),
                    format!("{key} values are integers (detection identifiers)"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Expr::Linked { key, keys, target })
    }

    /// The column a test applies to: the syntax must be a bare column name.
    fn tested_column(&self, s: &Syntax, what: &str) -> Result<ColumnRef, QueryError> {
        match s {
            Syntax::Ident(name, span) => self.column(name, *span),
            other => Err(self.type_error(
                other.span(),
                format!("{what} applies to a column; write the column name on its left"),
            )),
        }
    }

    /// A literal converted for comparison with `column`.
    fn scalar(&self, column: &ColumnRef, s: &Syntax) -> Result<Scalar, QueryError> {
        let Syntax::Literal(lit, span) = s else {
            return Err(self.type_error(
                s.span(),
                format!("expected a value to compare with {}", column.name),
            ));
        };
        let mismatch = |hint: &str| {
            self.type_error(
                *span,
                format!(
                    "column {} holds {} values but {} is {}{hint}",
                    column.name,
                    kind_plural(column.kind),
                    describe(lit),
                    literal_kind(lit)
                ),
            )
        };
        match (column.kind, lit) {
            (_, Literal::Null) => Err(self.type_error(
                *span,
                format!(
                    "a comparison with NULL is never true; write {} IS NULL or {} IS NOT NULL",
                    column.name, column.name
                ),
            )),
            (Kind::Integer | Kind::Float, Literal::Int(i)) => Ok(Scalar::Int(*i)),
            (Kind::Integer | Kind::Float, Literal::Float(x)) => Ok(Scalar::Float(*x)),
            (Kind::Integer | Kind::Float, Literal::Str(s)) if s.trim().parse::<f64>().is_ok() => {
                Err(mismatch("; remove the quotes"))
            }
            (Kind::Text, Literal::Str(s)) => Ok(Scalar::Str(s.clone())),
            (Kind::Text, Literal::Int(_) | Literal::Float(_)) => {
                Err(mismatch("; put it in quotes"))
            }
            (Kind::Bool, Literal::Bool(b)) => Ok(Scalar::Bool(*b)),
            (Kind::Bool, _) => Err(mismatch("; use true or false")),
            _ => Err(mismatch("")),
        }
    }

    fn condition(&self, s: &Syntax) -> Result<Expr, QueryError> {
        match s {
            Syntax::Ident(name, span) => {
                let column = self.column(name, *span)?;
                if column.kind == Kind::Bool {
                    Ok(Expr::IsTrue(column))
                } else {
                    Err(self.type_error(
                        *span,
                        format!(
                            "column {} holds {} values and is not a condition by itself; compare it, e.g. {} > 0",
                            column.name,
                            kind_plural(column.kind),
                            name
                        ),
                    ))
                }
            }
            Syntax::Literal(Literal::Bool(b), _) => Ok(Expr::Const(*b)),
            Syntax::Literal(lit, span) => Err(self.type_error(
                *span,
                format!(
                    "{} is not a condition; compare a column with it, e.g. column = {}",
                    describe(lit),
                    describe(lit)
                ),
            )),
            Syntax::Compare(op, left, right, span) => self.compare(*op, left, right, *span),
            Syntax::Arith(_, _, _, span) | Syntax::Neg(_, span) | Syntax::Call { span, .. } => {
                Err(self.type_error(
                    *span,
                    "a computed number is not a condition by itself; compare it, e.g. sc_ep_8_flux / sc_ep_8_flux_err > 5",
                ))
            }
            Syntax::And(v) => Ok(Expr::And(
                v.iter()
                    .map(|e| self.condition(e))
                    .collect::<Result<_, _>>()?,
            )),
            Syntax::Or(v) => Ok(Expr::Or(
                v.iter()
                    .map(|e| self.condition(e))
                    .collect::<Result<_, _>>()?,
            )),
            Syntax::Not(e, _) => Ok(Expr::Not(Box::new(self.condition(e)?))),
            Syntax::Between {
                expr,
                low,
                high,
                negated,
                ..
            } if is_computed(expr) => {
                let e = Expr::And(vec![
                    self.arith(CmpOp::Ge, expr, low, s.span())?,
                    self.arith(CmpOp::Le, expr, high, s.span())?,
                ]);
                Ok(if *negated { Expr::Not(Box::new(e)) } else { e })
            }
            Syntax::Between {
                expr,
                low,
                high,
                negated,
                ..
            } => {
                let column = self.tested_column(expr, "BETWEEN")?;
                if column.kind == Kind::Bool {
                    return Err(self.type_error(
                        column.span,
                        format!(
                            "column {} is boolean; BETWEEN needs numbers or strings",
                            column.name
                        ),
                    ));
                }
                let e = Expr::Between {
                    low: self.scalar(&column, low)?,
                    high: self.scalar(&column, high)?,
                    column,
                };
                Ok(if *negated { Expr::Not(Box::new(e)) } else { e })
            }
            Syntax::InList {
                expr,
                list,
                negated,
                ..
            } => {
                if let Some(link) = self.link(expr) {
                    let e = self.linked(link, list)?;
                    return Ok(if *negated { Expr::Not(Box::new(e)) } else { e });
                }
                let column = self.tested_column(expr, "IN")?;
                let set = list
                    .iter()
                    .map(|x| self.scalar(&column, x))
                    .collect::<Result<Vec<_>, _>>()?;
                let e = Expr::InSet { column, set };
                Ok(if *negated { Expr::Not(Box::new(e)) } else { e })
            }
            Syntax::IsNull { expr, negated, .. } => Ok(Expr::IsNull {
                column: self.tested_column(expr, "IS NULL")?,
                negated: *negated,
            }),
            Syntax::Contains { words, column, .. } => {
                let column = self.tested_column(column, "text search")?;
                if column.kind != Kind::Text {
                    return Err(self.type_error(
                        column.span,
                        format!(
                            "\"text\" IN column searches strings, but column {} holds {} values",
                            column.name,
                            kind_plural(column.kind)
                        ),
                    ));
                }
                Ok(Expr::Contains {
                    column,
                    words: words.clone(),
                })
            }
            Syntax::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
                ..
            } => {
                let column = self.tested_column(expr, "LIKE")?;
                if column.kind != Kind::Text {
                    return Err(self.type_error(
                        column.span,
                        format!(
                            "LIKE matches strings, but column {} holds {} values",
                            column.name,
                            kind_plural(column.kind)
                        ),
                    ));
                }
                let like = Expr::Like {
                    column,
                    pattern: pattern.clone(),
                    case_insensitive: *case_insensitive,
                };
                Ok(if *negated {
                    Expr::Not(Box::new(like))
                } else {
                    like
                })
            }
            Syntax::Cone {
                target,
                target_span,
                radius_deg,
                span,
            } => self.cone(target, *target_span, *radius_deg, *span, Vec::new()),
            Syntax::Target(target, span) => self.cone(target, *span, None, *span, Vec::new()),
        }
    }

    fn compare(
        &self,
        op: CmpOp,
        left: &Syntax,
        right: &Syntax,
        span: Span,
    ) -> Result<Expr, QueryError> {
        if is_computed(left) || is_computed(right) {
            return self.arith(op, left, right, span);
        }
        let (column_side, other, op) = match (left, right) {
            (Syntax::Ident(..), _) => (left, right, op),
            (Syntax::Literal(..), Syntax::Ident(..)) => (right, left, op.flipped()),
            (Syntax::Literal(..), Syntax::Literal(..)) => {
                return Err(self.type_error(span, "a comparison needs a column on one side"));
            }
            (Syntax::Literal(..), other) | (other, _) => {
                return Err(self.type_error(
                    other.span(),
                    "expected a column or a value here; combine conditions with AND / OR",
                ));
            }
        };
        if let Some(link) = self.link(column_side) {
            if op != CmpOp::Eq {
                return Err(self.type_error(
                    span,
                    format!(
                        "{} names detections of other rows; test it with = or IN {{…}}",
                        link.0
                    ),
                ));
            }
            return self.linked(link, std::slice::from_ref(other));
        }
        let column = self.tested_column(column_side, "a comparison")?;
        if column.kind == Kind::Bool && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
            return Err(self.type_error(
                span,
                format!(
                    "column {} is boolean: compare it with = or != only",
                    column.name
                ),
            ));
        }
        let rhs = match other {
            Syntax::Ident(name, s) => {
                let c = self.column(name, *s)?;
                let compatible =
                    c.kind == column.kind || (c.kind.is_numeric() && column.kind.is_numeric());
                if !compatible {
                    return Err(self.type_error(
                        span,
                        format!(
                            "cannot compare column {} ({} values) with column {} ({} values)",
                            column.name,
                            kind_plural(column.kind),
                            c.name,
                            kind_plural(c.kind)
                        ),
                    ));
                }
                Operand::Column(c)
            }
            lit => Operand::Scalar(self.scalar(&column, lit)?),
        };
        Ok(Expr::Compare { column, op, rhs })
    }

    /// A comparison of numeric expressions; one side at least reads a column.
    fn arith(
        &self,
        op: CmpOp,
        left: &Syntax,
        right: &Syntax,
        span: Span,
    ) -> Result<Expr, QueryError> {
        let (lhs, rhs) = (self.num(left)?, self.num(right)?);
        let mut reads = false;
        lhs.for_each_column(&mut |_| reads = true);
        rhs.for_each_column(&mut |_| reads = true);
        if !reads {
            return Err(self.type_error(span, "a comparison needs a column on one side"));
        }
        Ok(Expr::Arith { lhs, op, rhs })
    }

    /// A numeric expression: numeric columns, numbers, + - * /, signs and math functions.
    fn num(&self, s: &Syntax) -> Result<Num, QueryError> {
        Ok(match s {
            Syntax::Ident(name, span) => {
                let column = self.column(name, *span)?;
                if !column.kind.is_numeric() {
                    return Err(self.type_error(
                        *span,
                        format!(
                            "column {} holds {} values; arithmetic needs numbers",
                            column.name,
                            kind_plural(column.kind)
                        ),
                    ));
                }
                Num::Column(column)
            }
            Syntax::Literal(Literal::Int(i), _) => Num::Const(*i as f64),
            Syntax::Literal(Literal::Float(x), _) => Num::Const(*x),
            Syntax::Literal(lit, span) => {
                return Err(self.type_error(
                    *span,
                    format!(
                        "{} is {}; arithmetic needs numbers",
                        describe(lit),
                        literal_kind(lit)
                    ),
                ));
            }
            Syntax::Arith(op, a, b, _) => {
                Num::Bin(*op, Box::new(self.num(a)?), Box::new(self.num(b)?))
            }
            Syntax::Neg(x, _) => Num::Neg(Box::new(self.num(x)?)),
            Syntax::Call {
                function,
                args,
                span,
            } => {
                let (least, most) = function.arity();
                if args.len() < least || args.len() > most {
                    let wanted = match (least, most) {
                        (0, 0) => "no arguments".to_string(),
                        (1, 1) => "one argument".to_string(),
                        (2, 2) => "two arguments".to_string(),
                        (a, b) => format!("{a} or {b} arguments"),
                    };
                    return Err(self.type_error(
                        *span,
                        format!("{}() takes {wanted}, not {}", function.name(), args.len()),
                    ));
                }
                Num::Call(
                    *function,
                    args.iter().map(|a| self.num(a)).collect::<Result<_, _>>()?,
                )
            }
            other => {
                return Err(self.type_error(
                    other.span(),
                    "expected a number, a numeric column or an arithmetic expression here",
                ));
            }
        })
    }

    /// The RA and Dec columns cones use: the configured pair, else SC_RA/SC_DEC, else RA/DEC.
    fn position_columns(&self, span: Span) -> Result<(String, String), QueryError> {
        let candidates: Vec<(String, String)> = match &self.options.position_columns {
            Some(pair) => vec![pair.clone()],
            None => vec![
                ("SC_RA".into(), "SC_DEC".into()),
                ("RA".into(), "DEC".into()),
            ],
        };
        for (ra, dec) in &candidates {
            if let (Some(r), Some(d)) = (self.schema.get(ra), self.schema.get(dec))
                && r.dtype.is_numeric()
                && d.dtype.is_numeric()
            {
                return Ok((r.name.clone(), d.name.clone()));
            }
        }
        let (ra, dec) = candidates.into_iter().next().unwrap_or_default();
        Err(QueryError::NoPositionColumns {
            at: self.at(span),
            ra,
            dec,
        })
    }

    fn cone(
        &self,
        target: &TargetSyntax,
        target_span: Span,
        radius_deg: Option<f64>,
        span: Span,
        column_suggestions: Vec<String>,
    ) -> Result<Expr, QueryError> {
        let (ra_column, dec_column) = self.position_columns(span)?;
        let centre = match target {
            TargetSyntax::Position { ra, dec } => Centre::Position { ra: *ra, dec: *dec },
            TargetSyntax::Name(name) => Centre::Name {
                name: name.clone(),
                span: target_span,
                column_suggestions,
                resolved: None,
            },
        };
        Ok(Expr::Cone(Cone {
            centre,
            radius_deg: radius_deg.unwrap_or(self.options.default_radius_deg),
            ra_column,
            dec_column,
            span,
        }))
    }
}

/// Whether the syntax computes a number (an operator, a sign or a function call).
fn is_computed(s: &Syntax) -> bool {
    matches!(s, Syntax::Arith(..) | Syntax::Neg(..) | Syntax::Call { .. })
}

fn kind_plural(kind: Kind) -> &'static str {
    match kind {
        Kind::Integer => "integer",
        Kind::Float => "numeric",
        Kind::Text => "string",
        Kind::Bool => "boolean",
    }
}

fn literal_kind(lit: &Literal) -> &'static str {
    match lit {
        Literal::Int(_) => "an integer",
        Literal::Float(_) => "a number",
        Literal::Str(_) => "a string",
        Literal::Bool(_) => "a boolean",
        Literal::Null => "NULL",
    }
}
