//! Model expressions: XSPEC component names combined with `*`, `+` and parentheses, e.g.
//! `wabs*powerlaw`, `wabs*(bbodyrad+powerlaw)`, `constant*wabs.gal*wabs.intrin*powerlaw`.
//!
//! A component may carry a label after a dot (`wabs.gal`); unlabelled repeats are numbered
//! (`wabs`, `wabs_2`). Parameters are addressed as `<label>.<param>` (case-insensitive), e.g.
//! `powerlaw.PhoIndex`, `wabs_2.nH`.

pub mod components;
pub mod wabs;

pub use components::Kind;

/// A parse or lookup error in a model expression.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The expression text is malformed.
    #[error("model expression {expr:?}, at character {pos}: {message}")]
    Syntax {
        expr: String,
        pos: usize,
        message: String,
    },
    /// A parameter name that the model does not have.
    #[error("no parameter {name:?} in this model; parameters are: {known}")]
    UnknownParam { name: String, known: String },
    /// An invalid value for a parameter.
    #[error("parameter {name}: {message}")]
    BadValue { name: String, message: String },
}

#[derive(Debug, Clone)]
enum Node {
    Comp(usize),
    Mul(Box<Node>, Box<Node>),
    Add(Box<Node>, Box<Node>),
}

/// One parameter of a model.
#[derive(Debug, Clone)]
pub struct Param {
    /// Full name, `<component>.<param>`.
    pub name: String,
    /// Current value.
    pub value: f64,
    /// Lower limit.
    pub min: f64,
    /// Upper limit.
    pub max: f64,
    /// Frozen parameters are not fitted.
    pub frozen: bool,
}

#[derive(Debug, Clone)]
struct Component {
    kind: Kind,
    label: String,
    first_param: usize,
}

/// A parsed model expression with its parameters.
#[derive(Debug, Clone)]
pub struct Model {
    expr: String,
    root: Node,
    components: Vec<Component>,
    /// The parameters, in component order.
    pub params: Vec<Param>,
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    components: Vec<Component>,
    params: Vec<Param>,
}

impl Parser<'_> {
    fn err(&self, pos: usize, message: impl Into<String>) -> ModelError {
        ModelError::Syntax {
            expr: self.text.to_string(),
            pos: pos + 1,
            message: message.into(),
        }
    }

    fn skip_ws(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.bytes.get(self.pos).copied()
    }

    fn expr(&mut self) -> Result<Node, ModelError> {
        let mut left = self.term()?;
        while self.peek() == Some(b'+') {
            self.pos += 1;
            let right = self.term()?;
            left = Node::Add(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Node, ModelError> {
        let mut left = self.factor()?;
        while self.peek() == Some(b'*') {
            self.pos += 1;
            let right = self.factor()?;
            left = Node::Mul(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Node, ModelError> {
        match self.peek() {
            Some(b'(') => {
                let open = self.pos;
                self.pos += 1;
                let inner = self.expr()?;
                if self.peek() != Some(b')') {
                    return Err(self.err(open, "unclosed parenthesis"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(c) if c.is_ascii_alphabetic() => self.component(),
            Some(c) => Err(self.err(self.pos, format!("unexpected {:?}", c as char))),
            None => Err(self.err(self.pos, "expression ends where a component was expected")),
        }
    }

    fn word(&mut self) -> &str {
        let start = self.pos;
        while self.pos < self.bytes.len()
            && (self.bytes[self.pos].is_ascii_alphanumeric() || self.bytes[self.pos] == b'_')
        {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn component(&mut self) -> Result<Node, ModelError> {
        let start = self.pos;
        let name = self.word().to_string();
        let kind = Kind::from_name(&name).ok_or_else(|| {
            self.err(
                start,
                format!(
                    "unknown component {name:?} (known: powerlaw, bbody, bbodyrad, diskbb, constant, wabs)"
                ),
            )
        })?;
        let mut label = None;
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            let l = self.word().to_string();
            if l.is_empty() {
                return Err(self.err(self.pos, "a label must follow '.'"));
            }
            label = Some(l);
        }
        let label = match label {
            Some(l) => {
                if self
                    .components
                    .iter()
                    .any(|c| c.label.eq_ignore_ascii_case(&l))
                {
                    return Err(self.err(start, format!("label {l:?} is used twice")));
                }
                l
            }
            None => {
                let base = kind.name();
                let mut n = 1;
                let mut candidate = base.to_string();
                while self
                    .components
                    .iter()
                    .any(|c| c.label.eq_ignore_ascii_case(&candidate))
                {
                    n += 1;
                    candidate = format!("{base}_{n}");
                }
                candidate
            }
        };
        let first_param = self.params.len();
        for spec in kind.params() {
            self.params.push(Param {
                name: format!("{label}.{}", spec.name),
                value: spec.value,
                min: spec.min,
                max: spec.max,
                frozen: false,
            });
        }
        self.components.push(Component {
            kind,
            label,
            first_param,
        });
        Ok(Node::Comp(self.components.len() - 1))
    }
}

impl Model {
    /// Parses an expression such as `wabs*(bbodyrad+powerlaw)`.
    pub fn parse(text: &str) -> Result<Model, ModelError> {
        if text.len() > 1000 {
            return Err(ModelError::Syntax {
                expr: text.chars().take(40).collect(),
                pos: 1000,
                message: "expression longer than 1000 characters".into(),
            });
        }
        let mut p = Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            components: Vec::new(),
            params: Vec::new(),
        };
        let root = p.expr()?;
        if let Some(c) = p.peek() {
            return Err(p.err(
                p.pos,
                format!("unexpected {:?} after the expression", c as char),
            ));
        }
        let model = Model {
            expr: text.trim().to_string(),
            root,
            components: p.components,
            params: p.params,
        };
        model.check_node(&model.root, text)?;
        if !model.additive(&model.root) {
            return Err(ModelError::Syntax {
                expr: text.to_string(),
                pos: 1,
                message: "the model has no additive component (e.g. powerlaw) to give it a flux"
                    .into(),
            });
        }
        Ok(model)
    }

    fn additive(&self, n: &Node) -> bool {
        match n {
            Node::Comp(i) => !self.components[*i].kind.is_multiplicative(),
            Node::Mul(a, b) => self.additive(a) || self.additive(b),
            Node::Add(a, b) => self.additive(a) && self.additive(b),
        }
    }

    fn check_node(&self, n: &Node, text: &str) -> Result<(), ModelError> {
        let bad = |message: &str| ModelError::Syntax {
            expr: text.to_string(),
            pos: 1,
            message: message.to_string(),
        };
        match n {
            Node::Comp(_) => Ok(()),
            Node::Mul(a, b) => {
                if self.additive(a) && self.additive(b) {
                    return Err(bad("two additive models cannot be multiplied"));
                }
                self.check_node(a, text)?;
                self.check_node(b, text)
            }
            Node::Add(a, b) => {
                if self.additive(a) != self.additive(b) {
                    return Err(bad(
                        "an additive and a multiplicative model cannot be added",
                    ));
                }
                self.check_node(a, text)?;
                self.check_node(b, text)
            }
        }
    }

    /// The expression text.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Index of a parameter by full name (case-insensitive).
    pub fn param_index(&self, name: &str) -> Result<usize, ModelError> {
        self.params
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| ModelError::UnknownParam {
                name: name.to_string(),
                known: self
                    .params
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Sets a parameter value, or a limit with `name.min` / `name.max`.
    pub fn set(&mut self, name: &str, value: f64) -> Result<(), ModelError> {
        if !value.is_finite() {
            return Err(ModelError::BadValue {
                name: name.into(),
                message: "value must be finite".into(),
            });
        }
        let lower = name.to_ascii_lowercase();
        if let Some(base) = lower.strip_suffix(".min") {
            let i = self.param_index(base)?;
            self.params[i].min = value;
        } else if let Some(base) = lower.strip_suffix(".max") {
            let i = self.param_index(base)?;
            self.params[i].max = value;
        } else {
            let i = self.param_index(name)?;
            self.params[i].value = value;
        }
        for p in &self.params {
            if p.min > p.max || p.value < p.min || p.value > p.max {
                return Err(ModelError::BadValue {
                    name: p.name.clone(),
                    message: format!(
                        "value {} is outside its limits [{}, {}]",
                        p.value, p.min, p.max
                    ),
                });
            }
        }
        Ok(())
    }

    /// Freezes a parameter (optionally setting it).
    pub fn freeze(&mut self, name: &str, value: Option<f64>) -> Result<(), ModelError> {
        if let Some(v) = value {
            self.set(name, v)?;
        }
        let i = self.param_index(name)?;
        self.params[i].frozen = true;
        Ok(())
    }

    /// Current parameter values.
    pub fn values(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.value).collect()
    }

    /// Photon flux (photons cm⁻² s⁻¹) in each bin `[lo, hi]` for parameter values `p`.
    /// With `unabsorbed`, absorption components are left out.
    pub fn eval(&self, p: &[f64], lo: &[f64], hi: &[f64], unabsorbed: bool) -> Vec<f64> {
        self.eval_node(&self.root, p, lo, hi, unabsorbed)
    }

    fn eval_node(&self, n: &Node, p: &[f64], lo: &[f64], hi: &[f64], unabsorbed: bool) -> Vec<f64> {
        match n {
            Node::Comp(i) => {
                let c = &self.components[*i];
                let mut out = vec![0.0; lo.len()];
                if unabsorbed && c.kind.is_absorption() {
                    out.iter_mut().for_each(|o| *o = 1.0);
                } else {
                    let np = c.kind.params().len();
                    c.kind
                        .eval(&p[c.first_param..c.first_param + np], lo, hi, &mut out);
                }
                out
            }
            Node::Mul(a, b) => {
                let mut x = self.eval_node(a, p, lo, hi, unabsorbed);
                let y = self.eval_node(b, p, lo, hi, unabsorbed);
                x.iter_mut().zip(&y).for_each(|(x, y)| *x *= y);
                x
            }
            Node::Add(a, b) => {
                let mut x = self.eval_node(a, p, lo, hi, unabsorbed);
                let y = self.eval_node(b, p, lo, hi, unabsorbed);
                x.iter_mut().zip(&y).for_each(|(x, y)| *x += y);
                x
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_products_sums_and_labels() {
        let m = Model::parse("wabs*wabs*powerlaw").unwrap();
        let names: Vec<_> = m.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            ["wabs.nH", "wabs_2.nH", "powerlaw.PhoIndex", "powerlaw.norm"]
        );
        let m = Model::parse(" wabs.gal * (bbodyrad + powerlaw.hard) ").unwrap();
        assert!(m.param_index("HARD.phoindex").is_ok());
        assert!(m.param_index("gal.nH").is_ok());
    }

    #[test]
    fn rejects_bad_expressions_with_positions() {
        for (text, needle) in [
            ("wabs*", "ends where"),
            ("wabs*(powerlaw", "unclosed"),
            ("wabs*foo", "unknown component \"foo\""),
            ("wabs", "no additive"),
            ("powerlaw*bbody", "cannot be multiplied"),
            ("powerlaw+wabs", "cannot be added"),
            ("powerlaw)", "after the expression"),
            ("powerlaw.a*wabs.a", "used twice"),
        ] {
            let e = Model::parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn set_checks_names_and_limits() {
        let mut m = Model::parse("wabs*powerlaw").unwrap();
        m.set("wabs.nH", 0.5).unwrap();
        m.set("wabs.nH.max", 30.0).unwrap();
        assert!(m.set("wabs.nH", 40.0).is_err());
        let e = m.set("powerlaw.gamma", 2.0).unwrap_err().to_string();
        assert!(e.contains("powerlaw.PhoIndex"), "{e}");
    }

    #[test]
    fn unabsorbed_evaluation_drops_wabs() {
        let mut m = Model::parse("wabs*powerlaw").unwrap();
        m.set("wabs.nH", 10.0).unwrap();
        let v = m.values();
        let abs = m.eval(&v, &[1.0], &[2.0], false)[0];
        let unabs = m.eval(&v, &[1.0], &[2.0], true)[0];
        // Default PhoIndex = 1: ∫₁² E⁻¹ dE = ln 2.
        approx::assert_relative_eq!(unabs, 2f64.ln(), max_relative = 1e-12);
        assert!(abs < 0.2 * unabs);
    }
}
