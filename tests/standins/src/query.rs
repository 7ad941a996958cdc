//! The subset of Drive's `q` grammar bluedot and the fidelity check send: `'<id>' in parents`,
//! `trashed = <bool>`, `name = '<s>'`, `mimeType = | != '<s>'`, joined by `and`/`or`/`not` with
//! parentheses. Anything else is refused with 400, as Drive refuses an invalid query.

use crate::Item;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Str(String),
    Word(String),
    Open,
    Close,
    Op(String),
}

fn tokenize(q: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' | '\n' => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '\'' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('\\') => value.push(chars.next().ok_or("dangling escape")?),
                        Some('\'') => break,
                        Some(c) => value.push(c),
                        None => return Err("unterminated string".into()),
                    }
                }
                tokens.push(Token::Str(value));
            }
            '=' | '!' | '<' | '>' => {
                let mut op = String::new();
                while let Some(&c) = chars.peek() {
                    if "=!<>".contains(c) {
                        op.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Op(op));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if word.is_empty() {
                    return Err(format!("unexpected character {c:?}"));
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

#[derive(Debug)]
pub enum Query {
    And(Box<Query>, Box<Query>),
    Or(Box<Query>, Box<Query>),
    Not(Box<Query>),
    InParents(String),
    Trashed(bool),
    Name(String),
    MimeType { equal: bool, value: String },
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }
    fn word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == word)
    }
    fn or(&mut self) -> Result<Query, String> {
        let mut left = self.and()?;
        while self.word("or") {
            self.at += 1;
            left = Query::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Query, String> {
        let mut left = self.unary()?;
        while self.word("and") {
            self.at += 1;
            left = Query::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }
    fn unary(&mut self) -> Result<Query, String> {
        if self.word("not") {
            self.at += 1;
            return Ok(Query::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or()?;
            if self.next() != Some(Token::Close) {
                return Err("missing )".into());
            }
            return Ok(inner);
        }
        self.term()
    }
    fn term(&mut self) -> Result<Query, String> {
        match self.next() {
            Some(Token::Str(value)) => {
                if self.next() == Some(Token::Word("in".into()))
                    && self.next() == Some(Token::Word("parents".into()))
                {
                    Ok(Query::InParents(value))
                } else {
                    Err(format!("unsupported term after '{value}'"))
                }
            }
            Some(Token::Word(field)) => {
                let op = match self.next() {
                    Some(Token::Op(op)) => op,
                    other => {
                        return Err(format!("expected an operator after {field}, got {other:?}"));
                    }
                };
                let value = self.next();
                match (field.as_str(), op.as_str(), value) {
                    ("trashed", "=", Some(Token::Word(b))) if b == "true" || b == "false" => {
                        Ok(Query::Trashed(b == "true"))
                    }
                    ("name", "=", Some(Token::Str(s))) => Ok(Query::Name(s)),
                    ("mimeType", "=" | "!=", Some(Token::Str(s))) => Ok(Query::MimeType {
                        equal: op == "=",
                        value: s,
                    }),
                    (field, op, value) => Err(format!("unsupported term {field} {op} {value:?}")),
                }
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

/// The folder ids a query names in `'<id>' in parents`.
pub fn parents(q: &str) -> Vec<String> {
    let Ok(tokens) = tokenize(q) else {
        return Vec::new();
    };
    tokens
        .windows(3)
        .filter_map(|window| match window {
            [Token::Str(id), Token::Word(is_in), Token::Word(parents)]
                if is_in == "in" && parents == "parents" =>
            {
                Some(id.clone())
            }
            _ => None,
        })
        .collect()
}

pub fn parse(q: &str) -> Result<Query, String> {
    let mut parser = Parser {
        tokens: tokenize(q)?,
        at: 0,
    };
    let query = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err("trailing input".into());
    }
    Ok(query)
}

impl Query {
    pub fn matches(&self, item: &Item) -> bool {
        match self {
            Query::And(a, b) => a.matches(item) && b.matches(item),
            Query::Or(a, b) => a.matches(item) || b.matches(item),
            Query::Not(a) => !a.matches(item),
            Query::InParents(id) => item.parent.as_deref() == Some(id.as_str()),
            Query::Trashed(t) => item.trashed == *t,
            // Drive's `name =` is not guaranteed to be case-sensitive (GOOGLE-DRIVE.txt line
            // 46): matching regardless of case is the lenient end, which a client taking
            // Drive's matches for exact ones would trip over.
            Query::Name(n) => item.name.to_lowercase() == n.to_lowercase(),
            Query::MimeType { equal, value } => (item.mime_type == *value) == *equal,
        }
    }
}
