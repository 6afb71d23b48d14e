//! The query language: a SQL WHERE clause with a few astronomical additions.
//!
//! ```text
//! cone('M31', '1deg') AND sc_det_ml < 100
//! sc_ep_8_flux > 1e-12 OR (sc_hr2 BETWEEN -0.5 AND 0.5 AND NOT sc_var_flag)
//! srcid IN {3, 4}            "J1326" IN iauname          {"w1", "w2"} IN col
//! sc_extent IS NOT NULL      M82                         00 42 44.3 +41 16 09
//! ```
//!
//! Pipeline: [`Query::parse`] reads the text ([`parse`]: target-only queries, normalisation,
//! `sqlparser`'s tokenizer and the expression grammar in `sqlexpr`) and checks it against a schema ([`typecheck`]); the browser then lists the
//! object names it needs ([`Query::names_to_resolve`]), resolves them (possibly
//! asynchronously) and calls [`Query::resolve`]; the planner reads [`Query::columns`] and
//! [`Query::cones`]; [`Query::evaluate`] runs the brute-force reference evaluator
//! ([`eval`]) over a table, and [`sort_rows`] / [`page`] order and cut the result.

pub mod adql;
pub mod ast;
pub mod error;
pub mod eval;
mod normalise;
pub mod parse;
mod sqlexpr;
pub mod typecheck;

#[cfg(test)]
mod adql_tests;
#[cfg(test)]
pub(crate) mod proptests;
#[cfg(test)]
pub(crate) mod tests;

pub use ast::{
    ArithOp, Centre, CmpOp, ColumnRef, Cone, Expr, Kind, MathFn, Num, Operand, Scalar, Span, Syntax,
};
pub use error::{EvalError, Position, QueryError};
pub use eval::{Order, Truth, page, page_count, sort_rows};

use crate::names::{Resolver, parse_iau_designation};
use crate::schema::Schema;
use crate::table::Table;
use std::collections::BTreeSet;

/// Limits and defaults of the query language.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOptions {
    /// Radius of a cone given without one, and of a query that is only a target (degrees).
    pub default_radius_deg: f64,
    /// Longest accepted query, bytes.
    pub max_length: usize,
    /// Deepest accepted nesting of parentheses and NOTs.
    pub max_depth: usize,
    /// Most values in one `IN` set.
    pub max_set_size: usize,
    /// RA and Dec columns (degrees) for cones; `None` picks SC_RA/SC_DEC, else RA/DEC.
    pub position_columns: Option<(String, String)>,
    /// Integer keys of another table that name rows of this one, with the column they give
    /// values of: `("DETID", "SRCID")` makes `detid IN {…}` mean "the sources with these
    /// detections".
    pub links: Vec<(String, String)>,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            default_radius_deg: 10.0 / 60.0,
            max_length: 10_000,
            max_depth: 64,
            max_set_size: 10_000,
            position_columns: None,
            links: Vec::new(),
        }
    }
}

/// An object name used by a query, for the resolver.
#[derive(Debug, Clone, PartialEq)]
pub struct NameRef {
    /// The name as typed.
    pub name: String,
    /// Where it is written.
    pub position: Position,
}

/// The sky area of a cone, for tile selection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConeArea {
    /// Centre right ascension, degrees.
    pub ra: f64,
    /// Centre declination, degrees.
    pub dec: f64,
    /// Radius, degrees.
    pub radius_deg: f64,
}

/// A parsed, type-checked query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    text: String,
    expr: Expr,
}

impl Query {
    /// Reads `text` and checks it against `schema`. Object names stay unresolved until
    /// [`Query::resolve`].
    pub fn parse(text: &str, schema: &Schema, options: &QueryOptions) -> Result<Query, QueryError> {
        let syntax = parse::parse_syntax(text, options)?;
        let expr = typecheck::check(text, &syntax, schema, options)?;
        Ok(Query {
            text: text.to_string(),
            expr,
        })
    }

    /// Reads an ADQL SELECT statement (see [`adql`]) and checks its condition against
    /// `schema` (a query without WHERE matches every row). The caller checks the table name
    /// and applies the select list, ORDER BY, TOP and OFFSET.
    pub fn adql(
        text: &str,
        schema: &Schema,
        options: &QueryOptions,
    ) -> Result<(Query, adql::Select), QueryError> {
        let select = adql::parse_select(text, options)?;
        let expr = match &select.condition {
            Some(syntax) => typecheck::check(text, syntax, schema, options)?,
            None => Expr::Const(true),
        };
        for c in select.columns.iter().flatten().chain(&select.order) {
            if schema.get(&c.name).is_none() {
                return Err(QueryError::UnknownColumn {
                    at: Position::of(text, c.span.start, c.span.end),
                    name: c.name.clone(),
                    suggestions: schema
                        .suggest(&c.name, 3)
                        .into_iter()
                        .map(String::from)
                        .collect(),
                });
            }
        }
        Ok((
            Query {
                text: text.to_string(),
                expr,
            },
            select,
        ))
    }

    /// The query text as typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The checked condition.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Object names a resolver must look up before evaluation (IAU designations such as
    /// `4XMM J132652.4-472736` are included: a resolver may know the exact position, and
    /// [`Query::resolve`] falls back to the position written in the designation).
    pub fn names_to_resolve(&self) -> Vec<NameRef> {
        self.expr
            .cones()
            .into_iter()
            .filter_map(|c| match &c.centre {
                Centre::Name {
                    name,
                    span,
                    resolved: None,
                    ..
                } => Some(NameRef {
                    name: name.clone(),
                    position: Position::of(&self.text, span.start, span.end),
                }),
                _ => None,
            })
            .collect()
    }

    /// Whether every object name has a position.
    pub fn is_resolved(&self) -> bool {
        self.expr.cones().iter().all(|c| c.position().is_some())
    }

    /// Looks up every unresolved object name with `resolver`; an IAU designation the resolver
    /// does not know is placed at the centre of the cell its name encodes. Fails on the first
    /// unknown name.
    pub fn resolve(&mut self, resolver: &dyn Resolver) -> Result<(), QueryError> {
        let text = &self.text;
        for cone in self.expr.cones_mut() {
            if let Centre::Name {
                name,
                span,
                column_suggestions,
                resolved,
            } = &mut cone.centre
            {
                if resolved.is_some() {
                    continue;
                }
                let found = resolver
                    .resolve(name)
                    .or_else(|| parse_iau_designation(name).map(|d| (d.ra, d.dec)));
                match found {
                    Some(p) => *resolved = Some(p),
                    None => {
                        return Err(QueryError::UnknownObject {
                            at: Position::of(text, span.start, span.end),
                            name: name.clone(),
                            suggestions: column_suggestions.clone(),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether every link test (`detid IN {…}`) has been looked up.
    pub fn links_resolved(&self) -> bool {
        self.expr.clone().links_mut().is_empty()
    }

    /// The link tests still to look up: (key, keys).
    pub fn links_to_resolve(&self) -> Vec<(String, Vec<i64>)> {
        let mut e = self.expr.clone();
        e.links_mut()
            .into_iter()
            .filter_map(|x| match x {
                Expr::Linked { key, keys, .. } => Some((key.clone(), keys.clone())),
                _ => None,
            })
            .collect()
    }

    /// Replaces every link test by `target IN {values}`, with `lookup(key, keys)` giving the
    /// target values of the keys (keys that name nothing give none, so the test is false).
    pub fn resolve_links(&mut self, lookup: &mut dyn FnMut(&str, &[i64]) -> Vec<i64>) {
        for x in self.expr.links_mut() {
            if let Expr::Linked { key, keys, target } = x {
                let mut set = lookup(key, keys);
                set.sort_unstable();
                set.dedup();
                *x = Expr::InSet {
                    column: target.clone(),
                    set: set.into_iter().map(Scalar::Int).collect(),
                };
            }
        }
    }

    /// Names of the columns the query reads (cone position columns included), as the schema
    /// spells them.
    pub fn columns(&self) -> BTreeSet<String> {
        self.expr.columns()
    }

    /// Cones every matching row lies in (from a top-level conjunction; see
    /// [`Expr::conjunctive_cones`]). Cones whose centre is not resolved yet are left out, so
    /// call this after [`Query::resolve`].
    pub fn cones(&self) -> Vec<ConeArea> {
        self.expr
            .conjunctive_cones()
            .into_iter()
            .filter_map(|c| {
                c.position().map(|(ra, dec)| ConeArea {
                    ra,
                    dec,
                    radius_deg: c.radius_deg,
                })
            })
            .collect()
    }

    /// Truth value of the condition on every row of `table`.
    pub fn evaluate(&self, table: &Table) -> Result<Truth, EvalError> {
        eval::evaluate(&self.expr, table)
    }

    /// Indices of the rows of `table` that match, ascending.
    pub fn matching_rows(&self, table: &Table) -> Result<Vec<usize>, EvalError> {
        Ok(self.evaluate(table)?.matching_rows())
    }
}

/// A numeric expression (a column, arithmetic, math and frame functions) read against
/// `schema`: a value to sort by, such as `gal_l(sc_ra, sc_dec)`.
pub fn parse_value(text: &str, schema: &Schema) -> Result<Num, QueryError> {
    let q = Query::parse(&format!("({text}) = 0"), schema, &QueryOptions::default())?;
    match q.expr() {
        Expr::Arith { lhs, .. } => Ok(lhs.clone()),
        Expr::Compare { column, .. } if column.kind.is_numeric() => Ok(Num::Column(column.clone())),
        _ => Err(QueryError::Type {
            at: Position::of(text, 0, text.len()),
            message: format!("{text} is not a numeric expression"),
        }),
    }
}
