//! ARM template expressions: `[function(args).property[index]]` strings, parsed into a
//! small tree. Evaluation lives in `eval.rs`; this module only knows the grammar: string
//! literals in single quotes (`''` escapes one), integers, function calls (a name, optionally
//! `namespace.name`), `.property` and `[index]` access. `[[` at the start escapes a literal `[`.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    String(String),
    Integer(i64),
    Call { name: String, args: Vec<Expr> },
    Property(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
            Expr::Integer(i) => write!(f, "{i}"),
            Expr::Call { name, args } => {
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
            Expr::Property(e, p) => write!(f, "{e}.{p}"),
            Expr::Index(e, i) => write!(f, "{e}[{i}]"),
        }
    }
}

/// What a JSON string is to ARM.
pub enum Parsed {
    Literal(String),
    Expression(Expr),
}

/// Classifies a template string: `[…]` is an expression, `[[…` a literal with one `[` less.
pub fn classify(text: &str) -> Result<Parsed, String> {
    if let Some(rest) = text.strip_prefix("[[") {
        return Ok(Parsed::Literal(format!("[{rest}")));
    }
    match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) if text.len() >= 2 => parse(inner).map(Parsed::Expression),
        _ => Ok(Parsed::Literal(text.to_string())),
    }
}

pub fn parse(text: &str) -> Result<Expr, String> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
    };
    parser.skip_space();
    let expr = parser.expression()?;
    parser.skip_space();
    if parser.at < parser.chars.len() {
        return Err(format!(
            "unexpected `{}` at position {} of the expression",
            parser.chars[parser.at],
            parser.at + 1
        ));
    }
    Ok(expr)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }
    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }
    fn expect(&mut self, c: char) -> Result<(), String> {
        self.skip_space();
        if self.peek() == Some(c) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!(
                "expected `{c}` at position {} of the expression, found {}",
                self.at + 1,
                self.peek()
                    .map_or("the end".to_string(), |c| format!("`{c}`"))
            ))
        }
    }

    fn expression(&mut self) -> Result<Expr, String> {
        self.skip_space();
        let mut expr = match self.peek() {
            Some('\'') => Expr::String(self.string()?),
            Some(c) if c.is_ascii_digit() || c == '-' => Expr::Integer(self.integer()?),
            Some(c) if c.is_alphabetic() || c == '_' => self.call()?,
            Some(c) => {
                return Err(format!(
                    "unexpected `{c}` at position {} of the expression",
                    self.at + 1
                ));
            }
            None => return Err("the expression ends too early".into()),
        };
        loop {
            match self.peek() {
                Some('.') => {
                    self.at += 1;
                    let name = self.identifier()?;
                    expr = Expr::Property(Box::new(expr), name);
                }
                Some('[') => {
                    self.at += 1;
                    let index = self.expression()?;
                    self.expect(']')?;
                    expr = Expr::Index(Box::new(expr), Box::new(index));
                }
                _ => return Ok(expr),
            }
        }
    }

    fn identifier(&mut self) -> Result<String, String> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
        {
            self.at += 1;
        }
        if start == self.at {
            return Err(format!(
                "expected a name at position {} of the expression",
                self.at + 1
            ));
        }
        Ok(self.chars[start..self.at].iter().collect())
    }

    fn call(&mut self) -> Result<Expr, String> {
        let mut name = self.identifier()?;
        // A user-defined function: `namespace.name(`.
        if self.peek() == Some('.') {
            let save = self.at;
            self.at += 1;
            if let Ok(member) = self.identifier()
                && self.peek() == Some('(')
            {
                name = format!("{name}.{member}");
            } else {
                self.at = save;
            }
        }
        self.skip_space();
        if self.peek() != Some('(') {
            return Err(format!(
                "`{name}` is not a function call (ARM writes true(), false() and null() as functions)"
            ));
        }
        self.at += 1;
        let mut args = Vec::new();
        self.skip_space();
        if self.peek() == Some(')') {
            self.at += 1;
            return Ok(Expr::Call { name, args });
        }
        loop {
            args.push(self.expression()?);
            self.skip_space();
            match self.peek() {
                Some(',') => self.at += 1,
                Some(')') => {
                    self.at += 1;
                    return Ok(Expr::Call { name, args });
                }
                _ => return Err(format!("`{name}(`: expected `,` or `)`")),
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("a string literal is not closed with `'`".into()),
                Some('\'') if self.chars.get(self.at + 1) == Some(&'\'') => {
                    out.push('\'');
                    self.at += 2;
                }
                Some('\'') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
    }

    fn integer(&mut self) -> Result<i64, String> {
        let start = self.at;
        if self.peek() == Some('-') {
            self.at += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().collect();
        text.parse()
            .map_err(|_| format!("`{text}` is not an integer"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_parse() {
        let e = parse("concat(parameters('name'), '-', 'it''s')").unwrap();
        assert_eq!(e.to_string(), "concat(parameters('name'), '-', 'it''s')");
        let e = parse("reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', variables('id'))).principalId").unwrap();
        assert!(matches!(e, Expr::Property(_, ref p) if p == "principalId"));
        let e = parse("split(parameters('x'), '/')[1]").unwrap();
        assert!(matches!(e, Expr::Index(..)));
        assert!(parse("concat('a'").is_err());
        assert!(parse("true").is_err());
        assert!(matches!(classify("[[not]").unwrap(), Parsed::Literal(s) if s == "[not]"));
        assert!(matches!(classify("plain").unwrap(), Parsed::Literal(_)));
        let e = parse("myNamespace.myFunction('a')").unwrap();
        assert!(matches!(e, Expr::Call { ref name, .. } if name == "myNamespace.myFunction"));
    }
}
