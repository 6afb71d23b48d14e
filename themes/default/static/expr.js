// Arithmetic expressions over catalogue columns for the diagrams page, parsed into a tree of
// closures (never evaluated as JavaScript): numbers, column names (case-insensitive, checked
// against the schema), + - * / ^, unary minus, parentheses and the functions below. A null
// cell is NaN and so is everything computed from it; the page drops such rows and counts them.

const FUNCTIONS = { log10: Math.log10, ln: Math.log, log: Math.log10, sqrt: Math.sqrt, abs: Math.abs, exp: Math.exp };
const MAX_LENGTH = 1000;
const MAX_DEPTH = 64;

export class ExpressionError extends Error {
  constructor(message, offset, end) {
    super(message);
    this.position = { offset, end: Math.max(end, offset + 1), line: 1, column: offset + 1 };
  }
}

function tokens(text) {
  const out = [];
  const re = /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*/^(),]))/y;
  let i = 0;
  while (i < text.length) {
    if (/^\s*$/.test(text.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) {
      const at = i + (text.slice(i).length - text.slice(i).trimStart().length);
      throw new ExpressionError(`unexpected character '${text[at]}' at position ${at + 1}: use column names, numbers, + - * / ^, parentheses and ${Object.keys(FUNCTIONS).join(", ")}`, at, at + 1);
    }
    const start = re.lastIndex - (m[1] || m[2] || m[3]).length;
    if (m[1] !== undefined) out.push({ kind: "num", value: Number(m[1]), start, end: re.lastIndex });
    else if (m[2] !== undefined) out.push({ kind: "name", value: m[2], start, end: re.lastIndex });
    else out.push({ kind: "op", value: m[3] === "**" ? "^" : m[3], start, end: re.lastIndex });
    i = re.lastIndex;
  }
  return out;
}

function distance(a, b) {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

// Parses `text` against `schema` ([{name, type}]): `{ columns: Set of upper-case names,
// eval(cols, row) }`, where `cols[NAME]` is a Float64Array of the column (NaN for null).
export function parse(text, schema) {
  if (text.length > MAX_LENGTH) throw new ExpressionError(`the expression is longer than ${MAX_LENGTH} characters`, MAX_LENGTH, text.length);
  const known = new Map(schema.map((c) => [c.name.toUpperCase(), c]));
  const toks = tokens(text);
  if (!toks.length) throw new ExpressionError("the expression is empty: type a column name such as sc_ep_8_flux", 0, 1);
  const columns = new Set();
  let pos = 0, depth = 0;
  const peek = () => toks[pos];
  const end = () => (toks.length ? toks[toks.length - 1].end : 0);
  const expect = (value) => {
    const t = toks[pos];
    if (!t || t.value !== value) {
      const at = t ? t.start : end();
      throw new ExpressionError(`expected '${value}' ${t ? `but found '${t.value}'` : "at the end"}`, at, t ? t.end : at + 1);
    }
    pos++;
  };
  const deeper = (t) => {
    if (++depth > MAX_DEPTH) throw new ExpressionError(`the expression is nested deeper than ${MAX_DEPTH} levels`, t.start, t.end);
  };

  function primary() {
    const t = toks[pos];
    if (!t) throw new ExpressionError("the expression ends too early: a column name, a number or '(' is missing", end(), end() + 1);
    if (t.kind === "num") { pos++; const v = t.value; return () => v; }
    if (t.kind === "op" && t.value === "(") {
      pos++; deeper(t);
      const e = sum();
      expect(")"); depth--;
      return e;
    }
    if (t.kind === "name") {
      pos++;
      const lower = t.value.toLowerCase();
      if (peek() && peek().value === "(" && FUNCTIONS[lower]) {
        pos++; deeper(t);
        const arg = sum();
        expect(")"); depth--;
        const f = FUNCTIONS[lower];
        return (c, r) => f(arg(c, r));
      }
      const upper = t.value.toUpperCase();
      const col = known.get(upper);
      if (!col) {
        const best = [...known.keys()].map((k) => [distance(upper, k), k]).sort((a, b) => a[0] - b[0])[0];
        const hint = FUNCTIONS[lower] ? ` (${lower} is a function: write ${lower}(…))` : best && best[0] <= 3 ? `; did you mean ${best[1]}?` : "";
        throw new ExpressionError(`unknown column '${t.value}'${hint}`, t.start, t.end);
      }
      if (col.type === "string") throw new ExpressionError(`column ${col.name} holds text, not numbers`, t.start, t.end);
      columns.add(upper);
      return (c, r) => c[upper][r];
    }
    throw new ExpressionError(`unexpected '${t.value}': a column name, a number or '(' is expected here`, t.start, t.end);
  }
  function power() {
    const base = primary();
    if (peek() && peek().value === "^") {
      pos++;
      const exp = unary();
      return (c, r) => Math.pow(base(c, r), exp(c, r));
    }
    return base;
  }
  function unary() {
    const t = peek();
    if (t && t.kind === "op" && (t.value === "-" || t.value === "+")) {
      pos++; deeper(t);
      const e = unary();
      depth--;
      return t.value === "-" ? (c, r) => -e(c, r) : e;
    }
    return power();
  }
  function product() {
    let left = unary();
    while (peek() && (peek().value === "*" || peek().value === "/")) {
      const op = toks[pos++].value, a = left, b = unary();
      left = op === "*" ? (c, r) => a(c, r) * b(c, r) : (c, r) => a(c, r) / b(c, r);
    }
    return left;
  }
  function sum() {
    let left = product();
    while (peek() && (peek().value === "+" || peek().value === "-")) {
      const op = toks[pos++].value, a = left, b = product();
      left = op === "+" ? (c, r) => a(c, r) + b(c, r) : (c, r) => a(c, r) - b(c, r);
    }
    return left;
  }

  const e = sum();
  if (pos < toks.length) {
    const t = toks[pos];
    throw new ExpressionError(`unexpected '${t.value}' after a complete expression`, t.start, t.end);
  }
  return { columns, eval: e };
}
