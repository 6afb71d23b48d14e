//! Response-header rules by URL path, in the `_headers` format that static hosts read (Netlify,
//! Cloudflare Pages): a path pattern on a line of its own, then its headers indented below it.
//! `*` in a pattern matches any run of characters, `/` included; every rule whose pattern
//! matches a path applies, a later rule's header replacing an earlier one of the same name.
//!
//! ```text
//! /*
//!   X-Content-Type-Options: nosniff
//! /data/*/chunks/*
//!   Cache-Control: public, max-age=31536000, immutable
//! ```
//!
//! The same rules are served by [`crate::site`] and written as nginx and Apache configuration
//! ([`Rules::nginx`], [`Rules::apache`]) for mirrors that use those servers.

use std::fmt::Write as _;

/// `Cache-Control` of files whose name carries their content's hash: never asked again.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else (pages, manifests' pointers, scripts): kept, but
/// revalidated (a 304 when unchanged) before each use.
pub const REVALIDATE: &str = "no-cache";

/// One rule: a path pattern and its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The pattern (`/data/*/chunks/*`).
    pub pattern: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
}

/// Header rules, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules(pub Vec<Rule>);

/// A `_headers` text that cannot be read: the line (from 1) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong there.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// True when `pattern` (with `*` wildcards) matches the whole of `path`.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == path;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !path.starts_with(first) || path.len() < first.len() + last.len() || !path.ends_with(last) {
        return false;
    }
    let mut rest = &path[first.len()..path.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

impl Rules {
    /// Reads a `_headers` text. Comments start with `#`.
    pub fn parse(text: &str) -> Result<Rules, ParseError> {
        let mut rules: Vec<Rule> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let err = |message: String| ParseError {
                line: i + 1,
                message,
            };
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if !line.starts_with([' ', '\t']) {
                if !trimmed.starts_with('/') {
                    return Err(err(format!(
                        "{trimmed:?} is neither a path pattern (starting with /) nor an indented header"
                    )));
                }
                rules.push(Rule {
                    pattern: trimmed.to_string(),
                    headers: Vec::new(),
                });
                continue;
            }
            let Some(rule) = rules.last_mut() else {
                return Err(err("a header before any path pattern".into()));
            };
            let Some((name, value)) = trimmed.split_once(':') else {
                return Err(err(format!(
                    "{trimmed:?} is not a header (expected \"Name: value\")"
                )));
            };
            let name = name.trim();
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(err(format!("{name:?} is not a header name")));
            }
            rule.headers
                .push((name.to_string(), value.trim().to_string()));
        }
        Ok(Rules(rules))
    }

    /// The `_headers` text of these rules.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for r in &self.0 {
            let _ = writeln!(out, "{}", r.pattern);
            for (n, v) in &r.headers {
                let _ = writeln!(out, "  {n}: {v}");
            }
        }
        out
    }

    /// The headers for `path`: of every matching rule, a later one's replacing an earlier one's
    /// of the same name (compared case-insensitively).
    pub fn for_path(&self, path: &str) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        for r in self.0.iter().filter(|r| glob_match(&r.pattern, path)) {
            for (n, v) in &r.headers {
                match out.iter_mut().find(|(m, _)| m.eq_ignore_ascii_case(n)) {
                    Some(slot) => *slot = (n, v),
                    None => out.push((n, v)),
                }
            }
        }
        out
    }

    /// The headers of the rules that apply everywhere (`/*`), with `Cache-Control:
    /// no-cache` unless they set one, and the other rules.
    fn split_global(&self) -> (Vec<(String, String)>, Vec<&Rule>) {
        let everywhere = Rules(
            self.0
                .iter()
                .filter(|r| r.pattern == "/*")
                .cloned()
                .collect(),
        );
        let mut global: Vec<(String, String)> = everywhere
            .for_path("/")
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        if !global
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("Cache-Control"))
        {
            global.push(("Cache-Control".into(), REVALIDATE.into()));
        }
        (
            global,
            self.0.iter().filter(|r| r.pattern != "/*").collect(),
        )
    }

    /// The rules as nginx configuration for a `server` block. nginx picks one `location` (the
    /// first regular expression that matches) and drops the server's `add_header`s there, so
    /// the most specific (latest) rules come first and each block carries every header that
    /// applies to its paths.
    pub fn nginx(&self) -> String {
        let (global, others) = self.split_global();
        let mut out = String::new();
        let add = |out: &mut String, indent: &str, headers: &[(String, String)]| {
            for (n, v) in headers {
                let _ = writeln!(out, "{indent}add_header {n} \"{}\" always;", quote(v));
            }
        };
        add(&mut out, "", &global);
        for r in others.iter().rev() {
            let _ = writeln!(out, "location ~ \"^{}$\" {{", glob_regex(&r.pattern));
            // A path this rule matches, to find the other rules that match it too.
            let sample = r.pattern.replace('*', "x");
            let mut merged = global.clone();
            for (n, v) in self.for_path(&sample) {
                match merged.iter_mut().find(|(m, _)| m.eq_ignore_ascii_case(n)) {
                    Some(slot) => slot.1 = v.to_string(),
                    None => merged.push((n.to_string(), v.to_string())),
                }
            }
            add(&mut out, "    ", &merged);
            out.push_str("}\n");
        }
        out
    }

    /// The rules as Apache httpd configuration (mod_headers), for a virtual host or
    /// `.htaccess`: every matching section applies, in order, a later one's header replacing
    /// an earlier one's.
    pub fn apache(&self) -> String {
        let (global, others) = self.split_global();
        let mut out = String::new();
        for (n, v) in &global {
            let _ = writeln!(out, "Header always set {n} \"{}\"", quote(v));
        }
        for r in others {
            let _ = writeln!(out, "<LocationMatch \"^{}$\">", glob_regex(&r.pattern));
            for (n, v) in &r.headers {
                let _ = writeln!(out, "    Header always set {n} \"{}\"", quote(v));
            }
            out.push_str("</LocationMatch>\n");
        }
        out
    }
}

/// A header value as a double-quoted configuration string.
fn quote(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A regular expression (PCRE) matching what the glob `pattern` matches.
fn glob_regex(pattern: &str) -> String {
    let mut re = String::new();
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '.' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '^' | '$' | '|' | '\\' => {
                re.push('\\');
                re.push(c);
            }
            '"' => re.push_str("\\x22"),
            _ => re.push(c),
        }
    }
    re
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_paths() {
        assert!(glob_match("/*", "/"));
        assert!(glob_match("/*", "/a/b.html"));
        assert!(glob_match(
            "/data/*/chunks/*",
            "/data/4xmm-dr14/chunks/0a1b.bin"
        ));
        assert!(!glob_match(
            "/data/*/chunks/*",
            "/data/4xmm-dr14/manifest.txt"
        ));
        assert!(glob_match(
            "/data/*/manifest.*.bin",
            "/data/x/manifest.0cc4.bin"
        ));
        assert!(!glob_match(
            "/data/*/manifest.*.bin",
            "/data/x/manifest.txt"
        ));
        assert!(glob_match("/robots.txt", "/robots.txt"));
        assert!(!glob_match("/robots.txt", "/robots.txt.gz"));
        assert!(!glob_match("/a*a", "/a"));
    }

    #[test]
    fn rules_round_trip_and_later_rules_win() {
        let text = "# comment\n/*\n  X-Content-Type-Options: nosniff\n  Cache-Control: no-cache\n/data/*/chunks/*\n  Cache-Control: public, max-age=31536000, immutable\n";
        let rules = Rules::parse(text).unwrap();
        assert_eq!(rules.0.len(), 2);
        assert_eq!(Rules::parse(&rules.render()).unwrap(), rules);
        assert_eq!(
            rules.for_path("/data/r/chunks/00.bin"),
            vec![
                ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", IMMUTABLE)
            ]
        );
        assert_eq!(
            rules.for_path("/index.html"),
            vec![
                ("X-Content-Type-Options", "nosniff"),
                ("Cache-Control", REVALIDATE)
            ]
        );
    }

    #[test]
    fn bad_rules_name_their_line() {
        let e = Rules::parse("/*\n  nosniff\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("Name: value"), "{e}");
        assert_eq!(Rules::parse("  A: b\n").unwrap_err().line, 1);
        assert_eq!(Rules::parse("/*\nfoo\n").unwrap_err().line, 2);
        assert_eq!(Rules::parse("/*\n  Bad Name: x\n").unwrap_err().line, 2);
    }

    #[test]
    fn nginx_and_apache_repeat_the_global_headers() {
        let rules = Rules::parse(
            "/*\n  X-Content-Type-Options: nosniff\n/data/*\n  Access-Control-Allow-Origin: *\n/data/*/chunks/*\n  Cache-Control: public, max-age=31536000, immutable\n",
        )
        .unwrap();
        let nginx = rules.nginx();
        assert_eq!(
            nginx,
            "add_header X-Content-Type-Options \"nosniff\" always;\n\
             add_header Cache-Control \"no-cache\" always;\n\
             location ~ \"^/data/.*/chunks/.*$\" {\n    \
             add_header X-Content-Type-Options \"nosniff\" always;\n    \
             add_header Cache-Control \"public, max-age=31536000, immutable\" always;\n    \
             add_header Access-Control-Allow-Origin \"*\" always;\n}\n\
             location ~ \"^/data/.*$\" {\n    \
             add_header X-Content-Type-Options \"nosniff\" always;\n    \
             add_header Cache-Control \"no-cache\" always;\n    \
             add_header Access-Control-Allow-Origin \"*\" always;\n}\n"
        );
        let apache = rules.apache();
        assert!(apache.starts_with("Header always set X-Content-Type-Options \"nosniff\"\nHeader always set Cache-Control \"no-cache\"\n"), "{apache}");
        assert!(apache.contains("<LocationMatch \"^/data/.*/chunks/.*$\">\n    Header always set Cache-Control \"public, max-age=31536000, immutable\"\n</LocationMatch>\n"), "{apache}");
        assert!(apache.find("^/data/.*$").unwrap() < apache.find("chunks").unwrap());
    }
}
