//! The two trees of a query: the syntax tree read from the text (names unchecked, spans in the
//! original text) and the typed expression checked against a schema, which the evaluator runs
//! and the planner inspects (referenced columns, conjunctive cones).

use crate::schema::DataType;
use std::collections::BTreeSet;

/// Byte range in the original query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// Byte just past the end.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A literal as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer (fits i64).
    Int(i64),
    /// A float (`1e-12`, `0.5`, or an integer too large for i64).
    Float(f64),
    /// A string, quotes removed.
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// `NULL`.
    Null,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=` or `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator with its operands swapped (`1 < x` ≡ `x > 1`).
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            op => op,
        }
    }

    /// Whether `ordering` (left compared to right) satisfies the operator.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            CmpOp::Eq => ordering == Equal,
            CmpOp::Ne => ordering != Equal,
            CmpOp::Lt => ordering == Less,
            CmpOp::Le => ordering != Greater,
            CmpOp::Gt => ordering == Greater,
            CmpOp::Ge => ordering != Less,
        }
    }

    /// The operator as written in queries.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// The centre of a cone as written.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetSyntax {
    /// Coordinates, already read (degrees).
    Position {
        /// ICRS right ascension, degrees.
        ra: f64,
        /// ICRS declination, degrees.
        dec: f64,
    },
    /// An object name or IAU designation to resolve.
    Name(String),
}

/// Syntax tree: what the text says, before names and types are checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Syntax {
    /// A bare word: a column, or, alone as the whole query, possibly an object name.
    Ident(String, Span),
    /// A literal.
    Literal(Literal, Span),
    /// `a op b`.
    Compare(CmpOp, Box<Syntax>, Box<Syntax>, Span),
    /// Conjunction of two or more terms.
    And(Vec<Syntax>),
    /// Disjunction of two or more terms.
    Or(Vec<Syntax>),
    /// `NOT x`.
    Not(Box<Syntax>, Span),
    /// `x [NOT] BETWEEN low AND high`.
    Between {
        /// Tested expression.
        expr: Box<Syntax>,
        /// Lower bound.
        low: Box<Syntax>,
        /// Upper bound.
        high: Box<Syntax>,
        /// `NOT BETWEEN`.
        negated: bool,
        /// The whole test.
        span: Span,
    },
    /// `x [NOT] IN (a, b, ...)` or `{a, b, ...}`.
    InList {
        /// Tested expression.
        expr: Box<Syntax>,
        /// The set.
        list: Vec<Syntax>,
        /// `NOT IN`.
        negated: bool,
        /// The whole test.
        span: Span,
    },
    /// `x IS [NOT] NULL`.
    IsNull {
        /// Tested expression.
        expr: Box<Syntax>,
        /// `IS NOT NULL`.
        negated: bool,
        /// The whole test.
        span: Span,
    },
    /// `"sub" IN col` (one word) or `{"w1", "w2"} IN col` (all words).
    Contains {
        /// Words that must all occur in the column.
        words: Vec<String>,
        /// The column (an `Ident`).
        column: Box<Syntax>,
        /// The whole test.
        span: Span,
    },
    /// `x [NOT] LIKE 'pattern'` (or `ILIKE`, ignoring ASCII case): `%` any run of characters,
    /// `_` one character.
    Like {
        /// Tested expression.
        expr: Box<Syntax>,
        /// The pattern.
        pattern: String,
        /// `NOT LIKE`.
        negated: bool,
        /// `ILIKE`.
        case_insensitive: bool,
        /// The whole test.
        span: Span,
    },
    /// `cone(target, radius)`; `radius_deg` is `None` for the default radius.
    Cone {
        /// Centre.
        target: TargetSyntax,
        /// Where the centre is written.
        target_span: Span,
        /// Radius in degrees, when given.
        radius_deg: Option<f64>,
        /// The whole call.
        span: Span,
    },
    /// The whole query is a target: a cone of the default radius around it.
    Target(TargetSyntax, Span),
    /// `a + b`, `a - b`, `a * b`, `a / b`.
    Arith(ArithOp, Box<Syntax>, Box<Syntax>, Span),
    /// `-x` where x is not a number.
    Neg(Box<Syntax>, Span),
    /// A math function call: `log10(x)`, `power(x, 2)`.
    Call {
        /// The function.
        function: MathFn,
        /// Its arguments.
        args: Vec<Syntax>,
        /// The whole call.
        span: Span,
    },
}

impl Syntax {
    /// The span of the node in the original text.
    pub fn span(&self) -> Span {
        match self {
            Syntax::Ident(_, s)
            | Syntax::Literal(_, s)
            | Syntax::Compare(_, _, _, s)
            | Syntax::Not(_, s)
            | Syntax::Between { span: s, .. }
            | Syntax::InList { span: s, .. }
            | Syntax::IsNull { span: s, .. }
            | Syntax::Contains { span: s, .. }
            | Syntax::Like { span: s, .. }
            | Syntax::Cone { span: s, .. }
            | Syntax::Target(_, s)
            | Syntax::Arith(_, _, _, s)
            | Syntax::Neg(_, s)
            | Syntax::Call { span: s, .. } => *s,
            Syntax::And(v) | Syntax::Or(v) => v
                .iter()
                .map(Syntax::span)
                .reduce(Span::join)
                .unwrap_or_default(),
        }
    }
}

/// How values of a column compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Integer storage: compared exactly with integer literals.
    Integer,
    /// Float storage.
    Float,
    /// Strings, compared ignoring ASCII case.
    Text,
    /// Booleans.
    Bool,
}

impl Kind {
    /// The kind of a storage type.
    pub fn of(dtype: DataType) -> Kind {
        match dtype {
            DataType::Bool => Kind::Bool,
            DataType::Str => Kind::Text,
            DataType::F32 | DataType::F64 => Kind::Float,
            DataType::U8 | DataType::I16 | DataType::I32 | DataType::I64 => Kind::Integer,
        }
    }

    /// Whether the kind is a number.
    pub fn is_numeric(self) -> bool {
        matches!(self, Kind::Integer | Kind::Float)
    }

    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Integer => "an integer",
            Kind::Float => "a number",
            Kind::Text => "a string",
            Kind::Bool => "a boolean",
        }
    }
}

/// A checked column reference.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRef {
    /// The column's name as the schema spells it.
    pub name: String,
    /// How its values compare.
    pub kind: Kind,
    /// Where it is written.
    pub span: Span,
}

/// A checked constant, of a kind compatible with the column it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// Integer.
    Int(i64),
    /// Float.
    Float(f64),
    /// String.
    Str(String),
    /// Boolean.
    Bool(bool),
}

/// Right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A constant.
    Scalar(Scalar),
    /// Another column of the same kind family.
    Column(ColumnRef),
}

/// The centre of a cone.
#[derive(Debug, Clone, PartialEq)]
pub enum Centre {
    /// Known coordinates, degrees.
    Position {
        /// ICRS right ascension, degrees.
        ra: f64,
        /// ICRS declination, degrees.
        dec: f64,
    },
    /// An object name, with its position once resolved.
    Name {
        /// The name as typed.
        name: String,
        /// Where it is written.
        span: Span,
        /// Column names close to it (when a single-word query may be a mistyped column).
        column_suggestions: Vec<String>,
        /// ICRS position in degrees, after [`crate::query::Query::resolve`].
        resolved: Option<(f64, f64)>,
    },
}

/// A checked cone: rows whose position lies within `radius_deg` of the centre (true angular
/// distance, boundary included).
#[derive(Debug, Clone, PartialEq)]
pub struct Cone {
    /// Centre.
    pub centre: Centre,
    /// Radius in degrees.
    pub radius_deg: f64,
    /// RA column (degrees).
    pub ra_column: String,
    /// Dec column (degrees).
    pub dec_column: String,
    /// Where the cone is written.
    pub span: Span,
}

impl Cone {
    /// The centre's position, when known.
    pub fn position(&self) -> Option<(f64, f64)> {
        match &self.centre {
            Centre::Position { ra, dec } => Some((*ra, *dec)),
            Centre::Name { resolved, .. } => *resolved,
        }
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
}

impl ArithOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }

    /// `a op b`.
    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            ArithOp::Add => a + b,
            ArithOp::Sub => a - b,
            ArithOp::Mul => a * b,
            ArithOp::Div => a / b,
        }
    }
}

/// The math functions of ADQL 2.1 (section 2.3.4), in both query languages, and the positions
/// in other frames (`gal_l(ra, dec)` …, an extension). `RAND` is left out: a query's result
/// must not change from one run to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathFn {
    /// Absolute value.
    Abs,
    /// Smallest integer not below.
    Ceiling,
    /// Radians to degrees.
    Degrees,
    /// e to the power.
    Exp,
    /// Largest integer not above.
    Floor,
    /// Natural logarithm.
    Log,
    /// Decimal logarithm.
    Log10,
    /// Remainder of x / y, with the sign of x.
    Mod,
    /// π.
    Pi,
    /// x to the power y.
    Power,
    /// Degrees to radians.
    Radians,
    /// Square root.
    Sqrt,
    /// Rounded to n decimals (0 by default), halves away from zero.
    Round,
    /// Truncated to n decimals (0 by default).
    Truncate,
    /// Arc cosine, radians.
    Acos,
    /// Arc sine, radians.
    Asin,
    /// Arc tangent, radians.
    Atan,
    /// Arc tangent of y / x in the quadrant of (x, y), radians.
    Atan2,
    /// Cosine of radians.
    Cos,
    /// Cotangent of radians.
    Cot,
    /// Sine of radians.
    Sin,
    /// Tangent of radians.
    Tan,
    /// Galactic longitude l (degrees) of an ICRS position `(ra, dec)` in degrees (not ADQL).
    GalL,
    /// Galactic latitude b.
    GalB,
    /// Ecliptic longitude λ (J2000 mean ecliptic and equinox).
    EclLon,
    /// Ecliptic latitude β.
    EclLat,
    /// Right ascension, FK4 B1950.
    RaB1950,
    /// Declination, FK4 B1950.
    DecB1950,
}

impl MathFn {
    /// Every function, for lookups and messages.
    pub const ALL: [MathFn; 28] = [
        MathFn::Abs,
        MathFn::Ceiling,
        MathFn::Degrees,
        MathFn::Exp,
        MathFn::Floor,
        MathFn::Log,
        MathFn::Log10,
        MathFn::Mod,
        MathFn::Pi,
        MathFn::Power,
        MathFn::Radians,
        MathFn::Sqrt,
        MathFn::Round,
        MathFn::Truncate,
        MathFn::Acos,
        MathFn::Asin,
        MathFn::Atan,
        MathFn::Atan2,
        MathFn::Cos,
        MathFn::Cot,
        MathFn::Sin,
        MathFn::Tan,
        MathFn::GalL,
        MathFn::GalB,
        MathFn::EclLon,
        MathFn::EclLat,
        MathFn::RaB1950,
        MathFn::DecB1950,
    ];

    /// The function's name, lower case.
    pub fn name(self) -> &'static str {
        match self {
            MathFn::Abs => "abs",
            MathFn::Ceiling => "ceiling",
            MathFn::Degrees => "degrees",
            MathFn::Exp => "exp",
            MathFn::Floor => "floor",
            MathFn::Log => "log",
            MathFn::Log10 => "log10",
            MathFn::Mod => "mod",
            MathFn::Pi => "pi",
            MathFn::Power => "power",
            MathFn::Radians => "radians",
            MathFn::Sqrt => "sqrt",
            MathFn::Round => "round",
            MathFn::Truncate => "truncate",
            MathFn::Acos => "acos",
            MathFn::Asin => "asin",
            MathFn::Atan => "atan",
            MathFn::Atan2 => "atan2",
            MathFn::Cos => "cos",
            MathFn::Cot => "cot",
            MathFn::Sin => "sin",
            MathFn::Tan => "tan",
            MathFn::GalL => "gal_l",
            MathFn::GalB => "gal_b",
            MathFn::EclLon => "ecl_lon",
            MathFn::EclLat => "ecl_lat",
            MathFn::RaB1950 => "ra_b1950",
            MathFn::DecB1950 => "dec_b1950",
        }
    }

    /// The function named `name` (any case).
    pub fn named(name: &str) -> Option<MathFn> {
        MathFn::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The numbers of arguments it takes: (fewest, most).
    pub fn arity(self) -> (usize, usize) {
        match self {
            MathFn::Pi => (0, 0),
            MathFn::Mod
            | MathFn::Power
            | MathFn::Atan2
            | MathFn::GalL
            | MathFn::GalB
            | MathFn::EclLon
            | MathFn::EclLat
            | MathFn::RaB1950
            | MathFn::DecB1950 => (2, 2),
            MathFn::Round | MathFn::Truncate => (1, 2),
            _ => (1, 1),
        }
    }

    /// The value for `args` (as many as [`MathFn::arity`] allows).
    pub fn apply(self, args: &[f64]) -> f64 {
        let x = args.first().copied().unwrap_or(f64::NAN);
        let y = args.get(1).copied();
        let scale = |f: fn(f64) -> f64| {
            let n = y.unwrap_or(0.0).trunc();
            let p = 10f64.powf(n);
            f(x * p) / p
        };
        match self {
            MathFn::Abs => x.abs(),
            MathFn::Ceiling => x.ceil(),
            MathFn::Degrees => x.to_degrees(),
            MathFn::Exp => x.exp(),
            MathFn::Floor => x.floor(),
            MathFn::Log => x.ln(),
            MathFn::Log10 => x.log10(),
            MathFn::Mod => x % y.unwrap_or(f64::NAN),
            MathFn::Pi => std::f64::consts::PI,
            MathFn::Power => x.powf(y.unwrap_or(f64::NAN)),
            MathFn::Radians => x.to_radians(),
            MathFn::Sqrt => x.sqrt(),
            MathFn::Round => scale(f64::round),
            MathFn::Truncate => scale(f64::trunc),
            MathFn::Acos => x.acos(),
            MathFn::Asin => x.asin(),
            MathFn::Atan => x.atan(),
            MathFn::Atan2 => x.atan2(y.unwrap_or(f64::NAN)),
            MathFn::Cos => x.cos(),
            MathFn::Cot => 1.0 / x.tan(),
            MathFn::Sin => x.sin(),
            MathFn::Tan => x.tan(),
            MathFn::GalL | MathFn::GalB => {
                let (l, b) = crate::coords::equatorial_to_galactic(x, y.unwrap_or(f64::NAN));
                if self == MathFn::GalL { l } else { b }
            }
            MathFn::EclLon | MathFn::EclLat => {
                let (l, b) =
                    crate::coords::frames::equatorial_to_ecliptic(x, y.unwrap_or(f64::NAN));
                if self == MathFn::EclLon { l } else { b }
            }
            MathFn::RaB1950 | MathFn::DecB1950 => {
                let (a, d) = crate::coords::frames::j2000_to_b1950(x, y.unwrap_or(f64::NAN));
                if self == MathFn::RaB1950 { a } else { d }
            }
        }
    }
}

/// A checked numeric expression: evaluated in double precision; a null operand, or a result
/// that is not a finite number (division by zero, the logarithm of a negative number), is
/// null.
#[derive(Debug, Clone, PartialEq)]
pub enum Num {
    /// A numeric column.
    Column(ColumnRef),
    /// A constant.
    Const(f64),
    /// `-x`.
    Neg(Box<Num>),
    /// `a op b`.
    Bin(ArithOp, Box<Num>, Box<Num>),
    /// A math function.
    Call(MathFn, Vec<Num>),
}

impl Num {
    /// Calls `f` on every column the expression reads.
    pub fn for_each_column(&self, f: &mut dyn FnMut(&str)) {
        match self {
            Num::Column(c) => f(&c.name),
            Num::Const(_) => {}
            Num::Neg(x) => x.for_each_column(f),
            Num::Bin(_, a, b) => {
                a.for_each_column(f);
                b.for_each_column(f);
            }
            Num::Call(_, args) => args.iter().for_each(|a| a.for_each_column(f)),
        }
    }
}

/// A typed, checked condition. Evaluation uses SQL three-valued logic: a test on a null value
/// is unknown, `NOT unknown` is unknown, and only rows where the whole condition is true match.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A constant condition (`true`, `false`).
    Const(bool),
    /// `column op operand`.
    Compare {
        /// Left column.
        column: ColumnRef,
        /// Operator.
        op: CmpOp,
        /// Right side.
        rhs: Operand,
    },
    /// `low <= column AND column <= high`.
    Between {
        /// Tested column.
        column: ColumnRef,
        /// Lower bound.
        low: Scalar,
        /// Upper bound.
        high: Scalar,
    },
    /// Set membership.
    InSet {
        /// Tested column.
        column: ColumnRef,
        /// The values.
        set: Vec<Scalar>,
    },
    /// `column IS NULL` (or, `negated`, `IS NOT NULL`): never unknown.
    IsNull {
        /// Tested column.
        column: ColumnRef,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// Every word occurs in the string column, ignoring ASCII case.
    Contains {
        /// Tested column.
        column: ColumnRef,
        /// The words.
        words: Vec<String>,
    },
    /// The string column matches an SQL LIKE pattern (`%` any run, `_` one character), ASCII
    /// case ignored when `case_insensitive` (ILIKE).
    Like {
        /// Tested column.
        column: ColumnRef,
        /// The pattern.
        pattern: String,
        /// ILIKE.
        case_insensitive: bool,
    },
    /// A boolean column used as a condition.
    IsTrue(ColumnRef),
    /// `key IN {…}` or `key = k` on a key of another table that names rows of this one (DETID:
    /// the source that has that detection). The engine looks the keys up in the link index
    /// and replaces the test by `target IN {…}` ([`crate::query::Query::resolve_links`]).
    Linked {
        /// The key as the manifest spells it (`DETID`).
        key: String,
        /// The keys looked up.
        keys: Vec<i64>,
        /// The column the link gives values of (`SRCID`).
        target: ColumnRef,
    },
    /// A cone.
    Cone(Cone),
    /// A comparison of numeric expressions (at least one reads a column).
    Arith {
        /// Left side.
        lhs: Num,
        /// Operator.
        op: CmpOp,
        /// Right side.
        rhs: Num,
    },
    /// Negation.
    Not(Box<Expr>),
    /// Conjunction.
    And(Vec<Expr>),
    /// Disjunction.
    Or(Vec<Expr>),
}

impl Expr {
    /// Calls `f` on every column reference (cone position columns included).
    pub fn for_each_column(&self, f: &mut dyn FnMut(&str)) {
        match self {
            Expr::Const(_) => {}
            Expr::Compare { column, rhs, .. } => {
                f(&column.name);
                if let Operand::Column(c) = rhs {
                    f(&c.name);
                }
            }
            Expr::Between { column, .. }
            | Expr::InSet { column, .. }
            | Expr::IsNull { column, .. }
            | Expr::Contains { column, .. }
            | Expr::Like { column, .. }
            | Expr::IsTrue(column)
            | Expr::Linked { target: column, .. } => f(&column.name),
            Expr::Cone(c) => {
                f(&c.ra_column);
                f(&c.dec_column);
            }
            Expr::Arith { lhs, rhs, .. } => {
                lhs.for_each_column(f);
                rhs.for_each_column(f);
            }
            Expr::Not(e) => e.for_each_column(f),
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.for_each_column(f)),
        }
    }

    /// The names of all columns the condition reads, as the schema spells them.
    pub fn columns(&self) -> BTreeSet<String> {
        let mut set = BTreeSet::new();
        self.for_each_column(&mut |c| {
            set.insert(c.to_string());
        });
        set
    }

    /// Cones every matching row must lie in: the cone itself, or the cones of the terms of a
    /// top-level conjunction. Cones under OR or NOT do not restrict the sky area and are left
    /// out, so an empty list means "anywhere".
    pub fn conjunctive_cones(&self) -> Vec<&Cone> {
        match self {
            Expr::Cone(c) => vec![c],
            Expr::And(v) => v.iter().flat_map(Expr::conjunctive_cones).collect(),
            _ => Vec::new(),
        }
    }

    /// Every cone, wherever it is (for name resolution).
    pub fn cones_mut(&mut self) -> Vec<&mut Cone> {
        match self {
            Expr::Cone(c) => vec![c],
            Expr::Not(e) => e.cones_mut(),
            Expr::And(v) | Expr::Or(v) => v.iter_mut().flat_map(Expr::cones_mut).collect(),
            _ => Vec::new(),
        }
    }

    /// Every link test, wherever it is.
    pub fn links_mut(&mut self) -> Vec<&mut Expr> {
        match self {
            Expr::Linked { .. } => vec![self],
            Expr::Not(e) => e.links_mut(),
            Expr::And(v) | Expr::Or(v) => v.iter_mut().flat_map(Expr::links_mut).collect(),
            _ => Vec::new(),
        }
    }

    /// Every cone, wherever it is.
    pub fn cones(&self) -> Vec<&Cone> {
        match self {
            Expr::Cone(c) => vec![c],
            Expr::Not(e) => e.cones(),
            Expr::And(v) | Expr::Or(v) => v.iter().flat_map(Expr::cones).collect(),
            _ => Vec::new(),
        }
    }
}
