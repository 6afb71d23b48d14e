//! The SQL expression grammar of queries, over `sqlparser`'s tokenizer.
//!
//! Queries are one SQL condition, so only the expression part of SQL is parsed here: OR, AND,
//! NOT, comparisons, `[NOT] BETWEEN`, `[NOT] IN (…)`, `IS [NOT] NULL`, literals, column names
//! and function calls, with sqlparser's precedences (OR < AND < NOT < comparisons, BETWEEN, IN,
//! IS < + - < * / %). Arithmetic, LIKE, qualified names, tuples and subqueries are recognised
//! so that the caller can say they are not supported, with their position.
//!
//! sqlparser's own `Parser` reaches its whole statement grammar from `parse_expr` (subqueries),
//! which tripled the browser module; its tokenizer alone is small.

use sqlparser::dialect::GenericDialect;
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Tokenizer};

use super::ast::CmpOp;

/// An expression with the span of its tokens (sqlparser lines and columns).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column name (possibly quoted with backticks).
    Ident(String, Span),
    /// `a.b` (a table and a column): its parts.
    Compound(Vec<String>, Span),
    /// A number as written.
    Number(String, Span),
    /// A single-quoted string, unescaped.
    Str(String, Span),
    /// TRUE or FALSE.
    Bool(bool, Span),
    /// NULL.
    Null(Span),
    /// Any other literal the tokenizer knows (hex, national strings, …).
    OtherValue(String, Span),
    /// NOT, unary minus or plus.
    Unary(Unary, Box<Expr>, Span),
    /// A binary operator.
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    /// `expr [NOT] BETWEEN low AND high`.
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
        span: Span,
    },
    /// `expr [NOT] IN (list)`.
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
        span: Span,
    },
    /// `expr IS [NOT] NULL`.
    IsNull(Box<Expr>, bool, Span),
    /// `expr [NOT] LIKE pattern` or `ILIKE` (`case_insensitive`).
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
        case_insensitive: bool,
        span: Span,
    },
    /// Recognised but not supported: `IS TRUE`, `IN (SELECT …)`, …
    Unsupported(&'static str, Span),
    /// `name(args)`.
    Function {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
        span: Span,
    },
    /// `(a, b)`.
    Tuple(Span),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unary {
    Not,
    Minus,
    Plus,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    And,
    Or,
    Cmp(CmpOp),
    /// Arithmetic and the like, by symbol: not supported.
    Other(&'static str),
}

impl Expr {
    /// The span of the expression's tokens.
    pub fn span(&self) -> Span {
        match self {
            Expr::Ident(_, s)
            | Expr::Compound(_, s)
            | Expr::Number(_, s)
            | Expr::Str(_, s)
            | Expr::Bool(_, s)
            | Expr::Null(s)
            | Expr::OtherValue(_, s)
            | Expr::Unary(_, _, s)
            | Expr::Binary(_, _, _, s)
            | Expr::IsNull(_, _, s)
            | Expr::Unsupported(_, s)
            | Expr::Tuple(s) => *s,
            Expr::Between { span, .. }
            | Expr::InList { span, .. }
            | Expr::Like { span, .. }
            | Expr::Function { span, .. } => *span,
        }
    }
}

/// Why parsing stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseError {
    /// The tokenizer failed (an unterminated string, …) at a location.
    Tokenizer(String, Location),
    /// `expected` was needed where the token at `at` stands (EOF: `at` is `None`).
    Expected {
        expected: &'static str,
        at: Option<Span>,
    },
    /// A complete expression is followed by more tokens.
    Trailing(Span),
    /// Nesting beyond the recursion limit.
    TooDeep,
}

// sqlparser's precedences (`Dialect::prec_value`).
const PREC_OR: u8 = 5;
const PREC_AND: u8 = 10;
const PREC_NOT: u8 = 15;
const PREC_IS: u8 = 17;
const PREC_LIKE: u8 = 19;
const PREC_BETWEEN: u8 = 20;
const PREC_CMP: u8 = 20;
const PREC_PLUS_MINUS: u8 = 30;
const PREC_MUL_DIV: u8 = 40;

struct Parser {
    tokens: Vec<TokenWithSpan>,
    pos: usize,
    depth: usize,
    limit: usize,
}

/// Parses `sql` as one expression that must reach the end of the text. `recursion_limit`
/// bounds nesting (parentheses and prefix operators).
pub fn parse(sql: &str, recursion_limit: usize) -> Result<Expr, ParseError> {
    let dialect = GenericDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| ParseError::Tokenizer(e.message, e.location))?
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        limit: recursion_limit,
    };
    let e = p.expr(0)?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(ParseError::Trailing(t.span)),
    }
}

fn join(a: Span, b: Span) -> Span {
    Span::new(a.start, b.end)
}

impl Parser {
    fn peek(&self) -> Option<&TokenWithSpan> {
        self.tokens.get(self.pos).filter(|t| t.token != Token::EOF)
    }

    fn peek_at(&self, n: usize) -> Option<&Token> {
        self.tokens
            .get(self.pos + n)
            .map(|t| &t.token)
            .filter(|t| **t != Token::EOF)
    }

    fn next(&mut self) -> Option<TokenWithSpan> {
        let t = self.peek().cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    /// Whether the token `n` ahead is the (unquoted) keyword `kw`.
    fn is_keyword_at(&self, n: usize, kw: &str) -> bool {
        matches!(self.peek_at(n), Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let yes = self.is_keyword_at(0, kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expected(&self, expected: &'static str) -> ParseError {
        ParseError::Expected {
            expected,
            at: self.peek().map(|t| t.span),
        }
    }

    fn expect(&mut self, token: &Token, expected: &'static str) -> Result<Span, ParseError> {
        match self.peek() {
            Some(t) if t.token == *token => {
                let s = t.span;
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.expected(expected)),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > self.limit {
            return Err(ParseError::TooDeep);
        }
        Ok(())
    }

    /// An expression whose operators all bind tighter than `min` (precedence climbing; chains
    /// of one operator are built in the loop, left-associated, without recursion).
    fn expr(&mut self, min: u8) -> Result<Expr, ParseError> {
        self.enter()?;
        let mut left = self.prefix()?;
        loop {
            let prec = self.next_precedence();
            if prec <= min {
                break;
            }
            left = self.infix(left, prec)?;
        }
        self.depth -= 1;
        Ok(left)
    }

    fn next_precedence(&self) -> u8 {
        let Some(t) = self.peek() else { return 0 };
        match &t.token {
            Token::Word(w) if w.quote_style.is_none() => {
                let kw = w.value.to_ascii_uppercase();
                match kw.as_str() {
                    "OR" => PREC_OR,
                    "AND" => PREC_AND,
                    "IS" => PREC_IS,
                    "IN" => PREC_BETWEEN,
                    "BETWEEN" => PREC_BETWEEN,
                    "LIKE" | "ILIKE" => PREC_LIKE,
                    "NOT" if self.is_keyword_at(1, "IN") || self.is_keyword_at(1, "BETWEEN") => {
                        PREC_BETWEEN
                    }
                    "NOT" if self.is_keyword_at(1, "LIKE") || self.is_keyword_at(1, "ILIKE") => {
                        PREC_LIKE
                    }
                    _ => 0,
                }
            }
            Token::Eq
            | Token::DoubleEq
            | Token::Neq
            | Token::Lt
            | Token::LtEq
            | Token::Gt
            | Token::GtEq
            | Token::Spaceship => PREC_CMP,
            Token::Plus | Token::Minus | Token::StringConcat => PREC_PLUS_MINUS,
            Token::Mul | Token::Div | Token::Mod | Token::DuckIntDiv => PREC_MUL_DIV,
            _ => 0,
        }
    }

    fn infix(&mut self, left: Expr, prec: u8) -> Result<Expr, ParseError> {
        let t = self.next().expect("an operator was peeked");
        let binary = |p: &mut Parser, op: BinOp, left: Expr| -> Result<Expr, ParseError> {
            let right = p.expr(prec)?;
            let span = join(left.span(), right.span());
            Ok(Expr::Binary(op, Box::new(left), Box::new(right), span))
        };
        let cmp = |c| BinOp::Cmp(c);
        match &t.token {
            Token::Eq | Token::DoubleEq => binary(self, cmp(CmpOp::Eq), left),
            Token::Neq => binary(self, cmp(CmpOp::Ne), left),
            Token::Lt => binary(self, cmp(CmpOp::Lt), left),
            Token::LtEq => binary(self, cmp(CmpOp::Le), left),
            Token::Gt => binary(self, cmp(CmpOp::Gt), left),
            Token::GtEq => binary(self, cmp(CmpOp::Ge), left),
            Token::Spaceship => binary(self, BinOp::Other("<=>"), left),
            Token::Plus => binary(self, BinOp::Other("+"), left),
            Token::Minus => binary(self, BinOp::Other("-"), left),
            Token::StringConcat => binary(self, BinOp::Other("||"), left),
            Token::Mul => binary(self, BinOp::Other("*"), left),
            Token::Div => binary(self, BinOp::Other("/"), left),
            Token::Mod => binary(self, BinOp::Other("%"), left),
            Token::DuckIntDiv => binary(self, BinOp::Other("//"), left),
            Token::Word(w) => match w.value.to_ascii_uppercase().as_str() {
                "OR" => binary(self, BinOp::Or, left),
                "AND" => binary(self, BinOp::And, left),
                "IS" => self.is(left),
                "NOT" => {
                    if self.eat_keyword("IN") {
                        self.in_list(left, true)
                    } else if self.eat_keyword("BETWEEN") {
                        self.between(left, true)
                    } else {
                        self.like(left, true)
                    }
                }
                "IN" => self.in_list(left, false),
                "BETWEEN" => self.between(left, false),
                "ILIKE" => self.like(left, false),
                _ => {
                    // LIKE: step back so that `like` sees which keyword it was.
                    self.pos -= 1;
                    self.like(left, false)
                }
            },
            _ => unreachable!("only operators have a precedence"),
        }
    }

    fn is(&mut self, left: Expr) -> Result<Expr, ParseError> {
        let negated = self.eat_keyword("NOT");
        let end = self.peek().map(|t| t.span);
        if self.eat_keyword("NULL") {
            let span = join(left.span(), end.expect("peeked"));
            return Ok(Expr::IsNull(Box::new(left), negated, span));
        }
        for word in ["TRUE", "FALSE", "UNKNOWN"] {
            if self.eat_keyword(word) {
                let span = join(left.span(), end.expect("peeked"));
                return Ok(Expr::Unsupported("IS TRUE/FALSE/UNKNOWN", span));
            }
        }
        if self.eat_keyword("DISTINCT") {
            if !self.eat_keyword("FROM") {
                return Err(self.expected("FROM"));
            }
            let right = self.expr(PREC_IS)?;
            let span = join(left.span(), right.span());
            return Ok(Expr::Unsupported("IS DISTINCT FROM", span));
        }
        Err(self.expected("NULL, NOT NULL, TRUE or FALSE"))
    }

    /// At `LIKE` or `ILIKE` (after `NOT` when `negated`; an ILIKE not negated already taken).
    fn like(&mut self, left: Expr, negated: bool) -> Result<Expr, ParseError> {
        let mut case_insensitive = !negated && self.pos > 0 && {
            let prev = &self.tokens[self.pos - 1].token;
            matches!(prev, Token::Word(w) if w.value.eq_ignore_ascii_case("ILIKE"))
        };
        if self.is_keyword_at(0, "LIKE") {
            self.pos += 1;
            case_insensitive = false;
        } else if self.is_keyword_at(0, "ILIKE") {
            self.pos += 1;
            case_insensitive = true;
        }
        let pattern = self.expr(PREC_LIKE)?;
        let span = join(left.span(), pattern.span());
        Ok(Expr::Like {
            expr: Box::new(left),
            pattern: Box::new(pattern),
            negated,
            case_insensitive,
            span,
        })
    }

    fn between(&mut self, left: Expr, negated: bool) -> Result<Expr, ParseError> {
        let low = self.expr(PREC_BETWEEN)?;
        if !self.eat_keyword("AND") {
            return Err(self.expected("AND"));
        }
        let high = self.expr(PREC_BETWEEN)?;
        let span = join(left.span(), high.span());
        Ok(Expr::Between {
            expr: Box::new(left),
            low: Box::new(low),
            high: Box::new(high),
            negated,
            span,
        })
    }

    fn in_list(&mut self, left: Expr, negated: bool) -> Result<Expr, ParseError> {
        self.expect(&Token::LParen, "(")?;
        if self.is_keyword_at(0, "SELECT") || self.is_keyword_at(0, "WITH") {
            let start = left.span();
            let end = self.skip_to_closing_paren()?;
            return Ok(Expr::Unsupported("subqueries", join(start, end)));
        }
        let mut list = vec![self.expr(0)?];
        while self.expect(&Token::Comma, ",").is_ok() {
            list.push(self.expr(0)?);
        }
        let end = self.expect(&Token::RParen, ", or )")?;
        Ok(Expr::InList {
            span: join(left.span(), end),
            expr: Box::new(left),
            list,
            negated,
        })
    }

    /// Skips to the `)` closing an already opened parenthesis; its span.
    fn skip_to_closing_paren(&mut self) -> Result<Span, ParseError> {
        let mut open = 1usize;
        while let Some(t) = self.next() {
            match t.token {
                Token::LParen => open += 1,
                Token::RParen => {
                    open -= 1;
                    if open == 0 {
                        return Ok(t.span);
                    }
                }
                _ => {}
            }
        }
        Err(self.expected(")"))
    }

    fn prefix(&mut self) -> Result<Expr, ParseError> {
        let Some(t) = self.next() else {
            return Err(ParseError::Expected {
                expected: "an expression",
                at: None,
            });
        };
        let span = t.span;
        Ok(match t.token {
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("NOT") => {
                // EXISTS (subquery) is not supported; `NOT x` is.
                let inner = self.expr(PREC_NOT)?;
                let s = join(span, inner.span());
                Expr::Unary(Unary::Not, Box::new(inner), s)
            }
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("TRUE") => {
                Expr::Bool(true, span)
            }
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("FALSE") => {
                Expr::Bool(false, span)
            }
            Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("NULL") => {
                Expr::Null(span)
            }
            Token::Word(w) if w.quote_style.is_none() && is_reserved(&w.value) => {
                self.pos -= 1;
                return Err(self.expected("an expression"));
            }
            Token::Word(w) => {
                if self.peek().is_some_and(|t| t.token == Token::LParen) {
                    self.pos += 1;
                    let mut args = Vec::new();
                    if self.peek().is_some_and(|t| t.token == Token::RParen) {
                        let end = self.next().expect("peeked").span;
                        return Ok(Expr::Function {
                            name: w.value,
                            name_span: span,
                            args,
                            span: join(span, end),
                        });
                    }
                    args.push(self.expr(0)?);
                    while self.expect(&Token::Comma, ",").is_ok() {
                        args.push(self.expr(0)?);
                    }
                    let end = self.expect(&Token::RParen, ", or )")?;
                    return Ok(Expr::Function {
                        name: w.value,
                        name_span: span,
                        args,
                        span: join(span, end),
                    });
                }
                if self.peek().is_some_and(|t| t.token == Token::Period) {
                    let mut end = span;
                    let mut parts = vec![w.value.clone()];
                    while self.peek().is_some_and(|t| t.token == Token::Period) {
                        self.pos += 1;
                        match self.next() {
                            Some(TokenWithSpan {
                                token: Token::Word(part),
                                span,
                            }) => {
                                parts.push(part.value);
                                end = span;
                            }
                            Some(TokenWithSpan {
                                token: Token::Mul,
                                span,
                            }) => {
                                parts.push("*".into());
                                end = span;
                            }
                            _ => {
                                self.pos = self.pos.saturating_sub(1);
                                return Err(self.expected("an identifier"));
                            }
                        }
                    }
                    return Ok(Expr::Compound(parts, join(span, end)));
                }
                Expr::Ident(w.value, span)
            }
            Token::Number(n, _) => Expr::Number(n, span),
            Token::SingleQuotedString(s) => Expr::Str(s, span),
            Token::NationalStringLiteral(s)
            | Token::EscapedStringLiteral(s)
            | Token::HexStringLiteral(s)
            | Token::DoubleQuotedString(s) => Expr::OtherValue(s, span),
            Token::Minus | Token::Plus => {
                let op = if t.token == Token::Minus {
                    Unary::Minus
                } else {
                    Unary::Plus
                };
                let inner = self.expr(PREC_MUL_DIV)?;
                let s = join(span, inner.span());
                Expr::Unary(op, Box::new(inner), s)
            }
            Token::LParen => {
                if self.is_keyword_at(0, "SELECT") || self.is_keyword_at(0, "WITH") {
                    let end = self.skip_to_closing_paren()?;
                    return Ok(Expr::Unsupported("subqueries", join(span, end)));
                }
                self.enter()?;
                let inner = self.expr(0)?;
                self.depth -= 1;
                if self.peek().is_some_and(|t| t.token == Token::Comma) {
                    while self.expect(&Token::Comma, ",").is_ok() {
                        self.expr(0)?;
                    }
                    let end = self.expect(&Token::RParen, ")")?;
                    return Ok(Expr::Tuple(join(span, end)));
                }
                self.expect(&Token::RParen, ")")?;
                inner
            }
            _ => {
                self.pos -= 1;
                return Err(self.expected("an expression"));
            }
        })
    }
}

/// Keywords that cannot start an expression (sqlparser treats them as the end of one).
fn is_reserved(word: &str) -> bool {
    [
        "AND", "OR", "IS", "IN", "BETWEEN", "LIKE", "ILIKE", "SELECT", "FROM", "WHERE",
    ]
    .iter()
    .any(|k| word.eq_ignore_ascii_case(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(e: &Expr) -> String {
        match e {
            Expr::Ident(n, _) => n.clone(),
            Expr::Number(n, _) => n.clone(),
            Expr::Str(s, _) => format!("'{s}'"),
            Expr::Bool(b, _) => b.to_string(),
            Expr::Null(_) => "NULL".into(),
            Expr::Unary(op, x, _) => format!("({op:?} {})", shape(x)),
            Expr::Binary(op, a, b, _) => format!("({} {op:?} {})", shape(a), shape(b)),
            Expr::Between {
                expr,
                low,
                high,
                negated,
                ..
            } => format!(
                "({} {}BETWEEN {} {})",
                shape(expr),
                if *negated { "NOT " } else { "" },
                shape(low),
                shape(high)
            ),
            Expr::InList {
                expr,
                list,
                negated,
                ..
            } => format!(
                "({} {}IN {})",
                shape(expr),
                if *negated { "NOT " } else { "" },
                list.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            Expr::IsNull(x, n, _) => {
                format!("({} IS {}NULL)", shape(x), if *n { "NOT " } else { "" })
            }
            Expr::Function { name, args, .. } => {
                format!(
                    "{name}({})",
                    args.iter().map(shape).collect::<Vec<_>>().join(",")
                )
            }
            Expr::Unsupported(what, _) => format!("unsupported {what}"),
            Expr::Compound(parts, _) => format!("compound {}", parts.join(".")),
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
                ..
            } => format!(
                "({}{}{} {})",
                shape(expr),
                if *negated { " NOT" } else { "" },
                if *case_insensitive { " ILIKE" } else { " LIKE" },
                shape(pattern)
            ),
            Expr::Tuple(_) => "tuple".into(),
            Expr::OtherValue(v, _) => format!("other {v}"),
        }
    }

    #[test]
    fn precedence_follows_sql() {
        // The trees sqlparser's own parser builds for the same text.
        let cases = [
            (
                "a = 1 OR b = 2 AND c = 3",
                "((a Cmp(Eq) 1) Or ((b Cmp(Eq) 2) And (c Cmp(Eq) 3)))",
            ),
            ("NOT a = 1 AND b", "((Not (a Cmp(Eq) 1)) And b)"),
            ("a BETWEEN 1 AND 2 AND b", "((a BETWEEN 1 2) And b)"),
            (
                "a NOT IN (1, 2) OR a IS NOT NULL",
                "((a NOT IN 1,2) Or (a IS NOT NULL))",
            ),
            ("-1 < a", "((Minus 1) Cmp(Lt) a)"),
            (
                "a + 1 * 2 > 3",
                "((a Other(\"+\") (1 Other(\"*\") 2)) Cmp(Gt) 3)",
            ),
            ("a < b < c", "((a Cmp(Lt) b) Cmp(Lt) c)"),
            ("f(1, 'x', g())", "f(1,'x',g())"),
            (
                "(a = 1 OR b = 2) AND TRUE",
                "(((a Cmp(Eq) 1) Or (b Cmp(Eq) 2)) And true)",
            ),
            ("a LIKE 'x%' AND b", "((a LIKE 'x%') And b)"),
            (
                "a NOT LIKE 'x%' OR b ILIKE '_y'",
                "((a NOT LIKE 'x%') Or (b ILIKE '_y'))",
            ),
            ("a NOT ILIKE 'x'", "(a NOT ILIKE 'x')"),
            ("s.ra > 1", "(compound s.ra Cmp(Gt) 1)"),
            ("a IN (SELECT x FROM t)", "unsupported subqueries"),
        ];
        for (text, want) in cases {
            let e = parse(text, 64).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(shape(&e), want, "{text}");
        }
    }

    /// The same shape from sqlparser's own parser (native tests only: the browser module
    /// does not link it).
    fn sqlparser_shape(e: &sqlparser::ast::Expr) -> String {
        use sqlparser::ast::{BinaryOperator as B, Expr as E, UnaryOperator as U, Value as V};
        let cmp = |c: &str| format!("Cmp({c})");
        match e {
            E::Identifier(id) => id.value.clone(),
            E::Nested(x) => sqlparser_shape(x),
            E::Value(v) => match &v.value {
                V::Number(n, _) => n.clone(),
                V::SingleQuotedString(s) => format!("'{s}'"),
                V::Boolean(b) => b.to_string(),
                V::Null => "NULL".into(),
                other => format!("other {other}"),
            },
            E::UnaryOp { op, expr } => {
                let op = match op {
                    U::Not => "Not",
                    U::Minus => "Minus",
                    U::Plus => "Plus",
                    other => panic!("{other}"),
                };
                format!("({op} {})", sqlparser_shape(expr))
            }
            E::BinaryOp { left, op, right } => {
                let op = match op {
                    B::And => "And".to_string(),
                    B::Or => "Or".to_string(),
                    B::Eq => cmp("Eq"),
                    B::NotEq => cmp("Ne"),
                    B::Lt => cmp("Lt"),
                    B::LtEq => cmp("Le"),
                    B::Gt => cmp("Gt"),
                    B::GtEq => cmp("Ge"),
                    other => format!("Other({:?})", other.to_string()),
                };
                format!(
                    "({} {op} {})",
                    sqlparser_shape(left),
                    sqlparser_shape(right)
                )
            }
            E::Between {
                expr,
                negated,
                low,
                high,
            } => format!(
                "({} {}BETWEEN {} {})",
                sqlparser_shape(expr),
                if *negated { "NOT " } else { "" },
                sqlparser_shape(low),
                sqlparser_shape(high)
            ),
            E::InList {
                expr,
                list,
                negated,
            } => format!(
                "({} {}IN {})",
                sqlparser_shape(expr),
                if *negated { "NOT " } else { "" },
                list.iter()
                    .map(sqlparser_shape)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            E::IsNull(x) => format!("({} IS NULL)", sqlparser_shape(x)),
            E::IsNotNull(x) => format!("({} IS NOT NULL)", sqlparser_shape(x)),
            E::Like {
                expr,
                pattern,
                negated,
                ..
            } => format!(
                "({}{} LIKE {})",
                sqlparser_shape(expr),
                if *negated { " NOT" } else { "" },
                sqlparser_shape(pattern)
            ),
            E::ILike {
                expr,
                pattern,
                negated,
                ..
            } => format!(
                "({}{} ILIKE {})",
                sqlparser_shape(expr),
                if *negated { " NOT" } else { "" },
                sqlparser_shape(pattern)
            ),
            E::InSubquery { .. } => "unsupported subqueries".into(),
            E::Function(f) => {
                let args = match &f.args {
                    sqlparser::ast::FunctionArguments::List(l) => l
                        .args
                        .iter()
                        .map(|a| match a {
                            sqlparser::ast::FunctionArg::Unnamed(
                                sqlparser::ast::FunctionArgExpr::Expr(x),
                            ) => sqlparser_shape(x),
                            other => panic!("{other}"),
                        })
                        .collect::<Vec<_>>(),
                    _ => Vec::new(),
                };
                format!("{}({})", f.name, args.join(","))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn trees_equal_sqlparsers_own_on_generated_conditions() {
        // A deterministic stream of conditions mixing every construct the grammar takes, with
        // random parentheses; each must give sqlparser's tree.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut rand = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        fn condition(rand: &mut dyn FnMut(u64) -> u64, depth: u32) -> String {
            let atoms = [
                "srcid",
                "sc_det_ml",
                "1",
                "2.5",
                "-3",
                "1e-14",
                "'a''b'",
                "TRUE",
                "NULL",
                "f(x, 2)",
            ];
            let atom =
                |r: &mut dyn FnMut(u64) -> u64| atoms[r(atoms.len() as u64) as usize].to_string();
            if depth == 0 {
                return atom(rand);
            }
            let a = condition(rand, depth - 1);
            let b = condition(rand, depth - 1);
            let e = match rand(14) {
                0 => format!("{a} AND {b}"),
                1 => format!("{a} OR {b}"),
                2 => format!("NOT {a}"),
                3 => format!("{a} = {b}"),
                4 => format!("{a} <> {b}"),
                5 => format!("{a} <= {b}"),
                6 => format!("{a} > {b}"),
                7 => format!("{a} + {b} * {a}"),
                8 => format!("{a} BETWEEN {} AND {}", atom(rand), atom(rand)),
                9 => format!("{a} NOT IN ({}, {})", atom(rand), atom(rand)),
                10 => format!("{a} IN ({})", atom(rand)),
                11 => format!("{a} IS NOT NULL"),
                12 => format!("{a} IS NULL"),
                _ => format!("- {a}"),
            };
            if rand(3) == 0 { format!("({e})") } else { e }
        }
        let dialect = sqlparser::dialect::GenericDialect {};
        let mut compared = 0;
        for _ in 0..3000 {
            let depth = rand(4) as u32;
            let text = condition(&mut rand, depth);
            let theirs = sqlparser::parser::Parser::new(&dialect)
                .try_with_sql(&text)
                .and_then(|mut p| p.parse_expr());
            match (parse(&text, 1000), theirs) {
                (Ok(ours), Ok(theirs)) => {
                    assert_eq!(shape(&ours), sqlparser_shape(&theirs), "{text}");
                    compared += 1;
                }
                (Err(_), Err(_)) => {}
                (ours, theirs) => panic!("{text}: ours {ours:?}, sqlparser {theirs:?}"),
            }
        }
        assert!(compared > 2500, "only {compared} conditions parsed");
    }

    #[test]
    fn spans_cover_the_tokens() {
        let e = parse("srcid  =  12 AND x IN (1,2)", 64).unwrap();
        let Expr::Binary(BinOp::And, l, r, s) = e else {
            panic!()
        };
        assert_eq!((s.start.column, s.end.column), (1, 28));
        assert_eq!((l.span().start.column, l.span().end.column), (1, 13));
        assert_eq!((r.span().start.column, r.span().end.column), (18, 28));
    }

    #[test]
    fn errors_say_where_and_what() {
        let at = |text: &str| match parse(text, 64) {
            Err(ParseError::Expected { expected, at }) => (expected, at.map(|s| s.start.column)),
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(at("a = "), ("an expression", None));
        assert_eq!(at("(a = 1"), (")", None));
        assert_eq!(at("a IN (1 2)"), (", or )", Some(9)));
        assert_eq!(at("a BETWEEN 1 OR 2"), ("AND", Some(13)));
        assert_eq!(at("a = AND"), ("an expression", Some(5)));
        assert!(
            matches!(parse("a = 1 b", 64), Err(ParseError::Trailing(s)) if s.start.column == 7)
        );
        assert!(matches!(parse("a = 'x", 64), Err(ParseError::Tokenizer(_, l)) if l.column == 5));
        let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(parse(&deep, 32), Err(ParseError::TooDeep));
        assert!(parse(&deep, 100).is_ok());
    }
}
