//! Java's regular expressions (`java.util.regex`, which Spark's regex functions use) on Rust's
//! engines: a Java pattern is translated ([`translate`]) and compiled with `fancy-regex`, which
//! delegates to the `regex` crate and adds look-around, back-references, atomic groups and
//! possessive quantifiers. Matches are found as Java's `Matcher.find` finds them
//! ([`JavaRegex::find_all`]), and replacements follow `Matcher.appendReplacement`
//! ([`Replacement`]).
//!
//! Translated to keep Java's meaning:
//!
//! - `\w`, `\d`, `\s` (and `\W`, `\D`, `\S`) are ASCII classes, as in Java by default; POSIX
//!   classes `\p{Upper}`, `\p{Alpha}`, `\p{Punct}`, `\p{ASCII}`, … are ASCII too; `\p{IsLatin}`,
//!   `\p{IsAlphabetic}`, `\p{javaLowerCase}`, … are their Unicode properties;
//! - `.` does not match `\r`, `\u0085`, `\u2028`, `\u2029` (nor `\n`) unless the `s` flag is set;
//! - `\Q…\E` quotes; `\h`, `\H`, `\v`, `\V`, `\R`, `\e`, `\a`, `\cX`, octal `\0ooo`, `\uXXXX`
//!   (surrogate pairs joined) are written as Rust's classes and escapes;
//! - a backslash before any other non-letter is that character; the flags `d` and `u` are
//!   dropped, `U` (Unicode classes) makes `\w`, `\d`, `\s`, `\b` Unicode.
//!
//! Not supported (an error naming the construct): Unicode blocks (`\p{InGreek}`), `\N{…}`,
//! `\X`, and the `c` (canonical equivalence) flag. Java's `$` also matches before a final line
//! terminator; here it matches at the end only (use `(?m)` or `\Z`).

use fancy_regex::{Captures, Regex};

/// A compiled Java regular expression.
#[derive(Debug, Clone)]
pub struct JavaRegex {
    regex: Regex,
    /// The number of capturing groups (without the whole match).
    groups: usize,
    /// Does the pattern match the empty string between two (non-word, non-line-break)
    /// characters? Java then also finds an empty match between the two halves of a surrogate
    /// pair, which `regexp_count` counts.
    empty_between: bool,
}

/// A match, as byte offsets.
pub type Span = (usize, usize);

impl JavaRegex {
    /// Compiles a Java pattern; the error message explains what is not supported.
    pub fn new(java: &str) -> Result<Self, String> {
        let rust = translate(java)?;
        let regex =
            Regex::new(&rust).map_err(|e| format!("invalid regular expression '{java}': {e}"))?;
        let groups = regex.captures_len().saturating_sub(1);
        let empty_between = matches!(
            regex.find_from_pos("\u{FFFD}\u{FFFD}", 3),
            Ok(Some(m)) if m.start() == 3 && m.end() == 3
        );
        Ok(Self {
            regex,
            groups,
            empty_between,
        })
    }

    /// The number of capturing groups.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Is there a match anywhere in `text` (Java's `Matcher.find()`)?
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        self.regex.is_match(text).map_err(runtime)
    }

    /// The first match at or after byte `from`.
    pub fn find_at(&self, text: &str, from: usize) -> Result<Option<Span>, String> {
        Ok(self
            .regex
            .find_from_pos(text, from)
            .map_err(runtime)?
            .map(|m| (m.start(), m.end())))
    }

    /// The groups of the first match at or after byte `from`.
    pub fn captures_at<'t>(
        &self,
        text: &'t str,
        from: usize,
    ) -> Result<Option<Captures<'t, str>>, String> {
        self.regex.captures_from_pos(text, from).map_err(runtime)
    }

    /// Every match, as successive calls of Java's `Matcher.find()` give them: after a match the
    /// search goes on where it ended (an empty match may follow a non-empty one there), and one
    /// character further after an empty match.
    pub fn find_all(&self, text: &str) -> Result<Vec<Span>, String> {
        let mut out = Vec::new();
        let mut from = 0;
        while from <= text.len() {
            let Some((start, end)) = self.find_at(text, from)? else {
                break;
            };
            out.push((start, end));
            from = if start == end {
                end + text[end..].chars().next().map_or(1, char::len_utf8)
            } else {
                end
            };
        }
        Ok(out)
    }

    /// The groups of every match, found as [`Self::find_all`] finds them.
    pub fn captures_all<'t>(&self, text: &'t str) -> Result<Vec<Captures<'t, str>>, String> {
        let mut out = Vec::new();
        let mut from = 0;
        while from <= text.len() {
            let Some(c) = self.captures_at(text, from)? else {
                break;
            };
            let (start, end) = c.get(0).map_or((from, from), |m| (m.start(), m.end()));
            out.push(c);
            from = if start == end {
                end + text[end..].chars().next().map_or(1, char::len_utf8)
            } else {
                end
            };
        }
        Ok(out)
    }

    /// The number of matches as Java counts them: an empty match before a character outside
    /// the Basic Multilingual Plane is followed by one between its two UTF-16 halves.
    pub fn count(&self, text: &str) -> Result<usize, String> {
        let matches = self.find_all(text)?;
        let halves = match self.empty_between {
            true => matches
                .iter()
                .filter(|(s, e)| {
                    s == e
                        && text[*e..]
                            .chars()
                            .next()
                            .is_some_and(|c| c.len_utf16() == 2)
                })
                .count(),
            false => 0,
        };
        Ok(matches.len() + halves)
    }

    /// `text` with every match replaced, as Java's `Matcher.replaceAll`.
    pub fn replace_all(&self, text: &str, replacement: &Replacement) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        if replacement.uses_groups() {
            for c in self.captures_all(text)? {
                let Some(whole) = c.get(0) else { continue };
                out.push_str(&text[copied..whole.start()]);
                replacement.expand(&c, &mut out);
                copied = whole.end();
            }
        } else {
            for (start, end) in self.find_all(text)? {
                out.push_str(&text[copied..start]);
                replacement.expand_literal(&mut out);
                copied = end;
            }
        }
        out.push_str(&text[copied..]);
        Ok(out)
    }

    /// Java's `String.split(regex, limit)` as Spark calls it: with `limit` > 0 at most `limit`
    /// parts, the last holding the rest; otherwise all parts, trailing empty ones kept; a
    /// zero-width match at the start makes no empty first part.
    pub fn split<'a>(&self, s: &'a str, limit: i32) -> Result<Vec<&'a str>, String> {
        // Pattern.split, line by line.
        let limit = usize::try_from(limit).ok().filter(|l| *l > 0);
        let mut parts: Vec<&str> = Vec::new();
        let mut index = 0;
        for (start, end) in self.find_all(s)? {
            match limit {
                Some(l) if parts.len() + 1 >= l => {
                    if parts.len() + 1 == l {
                        parts.push(&s[index..]);
                        index = end;
                    }
                }
                _ => {
                    if index == 0 && start == 0 && end == 0 {
                        // No empty leading part for a zero-width match at the start.
                        continue;
                    }
                    parts.push(&s[index..start]);
                    index = end;
                }
            }
        }
        if index == 0 {
            return Ok(vec![s]);
        }
        if limit.is_none_or(|l| parts.len() < l) {
            parts.push(&s[index..]);
        }
        Ok(parts)
    }
}

fn runtime(e: fancy_regex::Error) -> String {
    format!("regular expression failed: {e}")
}

/// A Java replacement string (`Matcher.appendReplacement`): `$n` is group `n` (the first digit
/// always, more digits while they name a group), `${name}` a named group, `\x` the character
/// `x`; a group that did not take part adds nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Group(usize),
    Named(String),
}

impl Replacement {
    /// Parses `java` for a pattern with `groups` capturing groups; errors as Java's.
    pub fn new(java: &str, regex: &JavaRegex) -> Result<Self, String> {
        let chars: Vec<char> = java.chars().collect();
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' => {
                    let Some(&c) = chars.get(i + 1) else {
                        return Err("character to be escaped is missing".into());
                    };
                    text.push(c);
                    i += 2;
                }
                '$' => {
                    let Some(&next) = chars.get(i + 1) else {
                        return Err("Illegal group reference: group index is missing".into());
                    };
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    if next == '{' {
                        let close = chars[i + 2..].iter().position(|&c| c == '}');
                        let name: String = match close {
                            Some(n) => chars[i + 2..i + 2 + n].iter().collect(),
                            None => {
                                return Err("named capturing group is missing trailing '}'".into())
                            }
                        };
                        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                            return Err(format!("named capturing group <{name}> is not valid"));
                        }
                        if !regex
                            .regex
                            .capture_names()
                            .any(|n| n == Some(name.as_str()))
                        {
                            return Err(format!("No group with name {{{name}}}"));
                        }
                        parts.push(Part::Named(name));
                        i += 3 + close.unwrap_or(0);
                        continue;
                    }
                    let Some(first) = next.to_digit(10) else {
                        return Err("Illegal group reference".into());
                    };
                    let mut group = first as usize;
                    if group > regex.groups {
                        return Err(format!("No group {group}"));
                    }
                    i += 2;
                    while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                        let longer = group * 10 + d as usize;
                        if longer > regex.groups {
                            break;
                        }
                        group = longer;
                        i += 1;
                    }
                    parts.push(Part::Group(group));
                }
                c => {
                    text.push(c);
                    i += 1;
                }
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Self { parts })
    }

    fn uses_groups(&self) -> bool {
        self.parts.iter().any(|p| !matches!(p, Part::Text(_)))
    }

    fn expand_literal(&self, out: &mut String) {
        for part in &self.parts {
            if let Part::Text(t) = part {
                out.push_str(t);
            }
        }
    }

    fn expand(&self, captures: &Captures<'_, str>, out: &mut String) {
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Group(g) => out.push_str(captures.get(*g).map_or("", |m| m.as_str())),
                Part::Named(n) => out.push_str(captures.name(n).map_or("", |m| m.as_str())),
            }
        }
    }
}

const WORD: &str = "0-9A-Za-z_";
const DIGIT: &str = "0-9";
const SPACE: &str = r"\t\n\x0B\f\r ";
const HSPACE: &str = r" \t\xA0\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}";
const VSPACE: &str = r"\n\x0B\f\r\x{85}\x{2028}\x{2029}";
const LINE_BREAKS: &str = r"\n\r\x{85}\x{2028}\x{2029}";

/// The members of a POSIX or Java class name (`\p{…}`) as a class body, or a Rust property.
fn property(name: &str) -> Result<Property, String> {
    let ascii = |body: &'static str| Ok(Property::Body(body.to_string()));
    match name {
        "Lower" => ascii("a-z"),
        "Upper" => ascii("A-Z"),
        "ASCII" => ascii(r"\x00-\x7F"),
        "Alpha" => ascii("A-Za-z"),
        "Digit" => ascii("0-9"),
        "Alnum" => ascii("0-9A-Za-z"),
        "Punct" => ascii(r"!-/:-@\[-`{-~"),
        "Graph" => ascii("!-~"),
        "Print" => ascii(" -~"),
        "Blank" => ascii(r" \t"),
        "Cntrl" => ascii(r"\x00-\x1F\x7F"),
        "XDigit" => ascii("0-9A-Fa-f"),
        "Space" => ascii(SPACE),
        "javaLowerCase" => Ok(Property::Named("Lowercase".into())),
        "javaUpperCase" => Ok(Property::Named("Uppercase".into())),
        "javaWhitespace" => Ok(Property::Named("White_Space".into())),
        "javaAlphabetic" | "IsAlphabetic" => Ok(Property::Named("Alphabetic".into())),
        "javaDigit" | "IsDigit" => Ok(Property::Named("Nd".into())),
        "javaLetter" | "IsLetter" => Ok(Property::Named("L".into())),
        "javaLetterOrDigit" => Ok(Property::Body(r"\p{L}\p{Nd}".into())),
        "IsWhite_Space" | "IsWhiteSpace" => Ok(Property::Named("White_Space".into())),
        "IsLowercase" => Ok(Property::Named("Lowercase".into())),
        "IsUppercase" => Ok(Property::Named("Uppercase".into())),
        "IsPunctuation" => Ok(Property::Named("P".into())),
        "IsControl" => Ok(Property::Named("Cc".into())),
        n if n.starts_with("In") => Err(format!(
            "the Unicode block \\p{{{n}}} is not supported; use a script (\\p{{Is{}}}) or a range",
            &n[2..]
        )),
        n if n.starts_with("Is") => Ok(Property::Named(n[2..].to_string())),
        n if n.starts_with("general_category=") || n.starts_with("gc=") => Ok(Property::Named(
            n.split_once('=').map_or(n, |(_, v)| v).to_string(),
        )),
        n if n.starts_with("script=") || n.starts_with("sc=") => Ok(Property::Named(
            n.split_once('=').map_or(n, |(_, v)| v).to_string(),
        )),
        n => Ok(Property::Named(n.to_string())),
    }
}

enum Property {
    /// The members as a class body (`A-Z`).
    Body(String),
    /// A Unicode property Rust knows by this name.
    Named(String),
}

/// Appends a class of `body` (negated when `negated`): nested in a class, or on its own.
fn push_class(out: &mut String, body: &str, negated: bool, in_class: bool) {
    if in_class && !negated {
        out.push_str(body);
    } else {
        out.push('[');
        if negated {
            out.push('^');
        }
        out.push_str(body);
        out.push(']');
    }
}

/// A literal character as the Rust pattern writes it.
fn push_literal(out: &mut String, c: char, in_class: bool) {
    let special = match in_class {
        true => matches!(c, '[' | ']' | '\\' | '^' | '-' | '&' | '~'),
        false => regex_syntax_meta(c),
    };
    if special {
        out.push('\\');
        out.push(c);
    } else if c.is_control() || c == ' ' || c == '#' {
        out.push_str(&format!(r"\x{{{:X}}}", c as u32));
    } else {
        out.push(c);
    }
}

fn regex_syntax_meta(c: char) -> bool {
    matches!(
        c,
        '\\' | '.'
            | '+'
            | '*'
            | '?'
            | '('
            | ')'
            | '|'
            | '['
            | ']'
            | '{'
            | '}'
            | '^'
            | '$'
            | '#'
            | '&'
            | '-'
            | '~'
    )
}

/// Translates a Java pattern into the syntax `fancy-regex` compiles (see the module docs).
pub fn translate(java: &str) -> Result<String, String> {
    let chars: Vec<char> = java.chars().collect();
    let flags = global_flags(java);
    if flags.contains(&'c') {
        return Err("the CANON_EQ flag (?c) is not supported".into());
    }
    let unicode_classes = flags.contains(&'U');
    let dot_all = flags.contains(&'s');
    let mut out = String::with_capacity(java.len() + 16);
    let mut class_depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let in_class = class_depth > 0;
        match c {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    return Err("unexpected internal error: a trailing backslash".into());
                };
                i += 2;
                match e {
                    'w' | 'd' | 's' if unicode_classes => {
                        out.push('\\');
                        out.push(e);
                    }
                    'W' | 'D' | 'S' if unicode_classes => {
                        out.push('\\');
                        out.push(e);
                    }
                    'w' => push_class(&mut out, WORD, false, in_class),
                    'W' => push_class(&mut out, WORD, true, in_class),
                    'd' => push_class(&mut out, DIGIT, false, in_class),
                    'D' => push_class(&mut out, DIGIT, true, in_class),
                    's' => push_class(&mut out, SPACE, false, in_class),
                    'S' => push_class(&mut out, SPACE, true, in_class),
                    'h' => push_class(&mut out, HSPACE, false, in_class),
                    'H' => push_class(&mut out, HSPACE, true, in_class),
                    'v' => push_class(&mut out, VSPACE, false, in_class),
                    'V' => push_class(&mut out, VSPACE, true, in_class),
                    'R' if !in_class => out.push_str(&format!(r"(?:\r\n|[{VSPACE}])")),
                    'p' | 'P' => {
                        let (name, used) = match chars.get(i) {
                            Some('{') => {
                                let Some(len) = chars[i + 1..].iter().position(|&c| c == '}')
                                else {
                                    return Err("unclosed character family: \\p{ without }".into());
                                };
                                (
                                    chars[i + 1..i + 1 + len].iter().collect::<String>(),
                                    len + 2,
                                )
                            }
                            Some(&single) => (single.to_string(), 1),
                            None => return Err("illegal character family: \\p at the end".into()),
                        };
                        i += used;
                        let negated = e == 'P';
                        match property(&name)? {
                            Property::Body(body) => push_class(&mut out, &body, negated, in_class),
                            Property::Named(n) => {
                                out.push('\\');
                                out.push(e);
                                out.push('{');
                                out.push_str(&n);
                                out.push('}');
                            }
                        }
                    }
                    'Q' => {
                        let end = (i..chars.len())
                            .find(|&j| chars[j] == '\\' && chars.get(j + 1) == Some(&'E'))
                            .unwrap_or(chars.len());
                        for &q in &chars[i..end] {
                            push_literal(&mut out, q, in_class);
                        }
                        i = (end + 2).min(chars.len());
                    }
                    'E' => {}
                    'e' => out.push_str(r"\x1B"),
                    'a' => out.push_str(r"\x07"),
                    'c' => {
                        let Some(&x) = chars.get(i) else {
                            return Err("illegal control escape sequence".into());
                        };
                        i += 1;
                        out.push_str(&format!(r"\x{{{:X}}}", (x as u32) ^ 64));
                    }
                    '0' => {
                        let digits: String = chars[i..]
                            .iter()
                            .take(3)
                            .take_while(|c| c.is_digit(8))
                            .collect();
                        let digits = match digits.len() {
                            3 if digits.as_bytes()[0] > b'3' => &digits[..2],
                            _ => &digits[..],
                        };
                        if digits.is_empty() {
                            return Err("illegal octal escape sequence".into());
                        }
                        i += digits.len();
                        let value = u32::from_str_radix(digits, 8).unwrap_or(0);
                        out.push_str(&format!(r"\x{{{value:X}}}"));
                    }
                    'u' => {
                        let hex = |from: usize| -> Option<u32> {
                            let h: String = chars.get(from..from + 4)?.iter().collect();
                            u32::from_str_radix(&h, 16).ok()
                        };
                        let Some(unit) = hex(i) else {
                            return Err("illegal Unicode escape sequence".into());
                        };
                        i += 4;
                        let mut code = unit;
                        if (0xD800..0xDC00).contains(&unit)
                            && chars.get(i) == Some(&'\\')
                            && chars.get(i + 1) == Some(&'u')
                        {
                            if let Some(low) = hex(i + 2).filter(|l| (0xDC00..0xE000).contains(l)) {
                                code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                                i += 6;
                            }
                        }
                        out.push_str(&format!(r"\x{{{code:X}}}"));
                    }
                    'x' => {
                        out.push_str(r"\x");
                    }
                    'N' | 'X' => return Err(format!("\\{e} is not supported")),
                    'b' | 'B' if unicode_classes || in_class => {
                        out.push('\\');
                        out.push(e);
                    }
                    // Java 17's \b treats letters and digits of any script as word characters,
                    // as Rust's Unicode \b does.
                    'b' | 'B' | 'A' | 'z' | 'Z' | 'G' | 't' | 'n' | 'r' | 'f' | 'k' => {
                        out.push('\\');
                        out.push(e);
                    }
                    '1'..='9' if !in_class => {
                        out.push('\\');
                        out.push(e);
                    }
                    e if e.is_ascii_alphabetic() => {
                        return Err(format!("illegal or unsupported escape sequence \\{e}"))
                    }
                    e => push_literal(&mut out, e, in_class),
                }
                continue;
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                continue;
            }
            ']' if in_class => {
                class_depth -= 1;
                out.push(']');
            }
            '.' if !in_class && !dot_all => push_class(&mut out, LINE_BREAKS, true, false),
            '(' if !in_class && chars.get(i + 1) == Some(&'?') => {
                // Inline flags: Java's d, u and U are dropped (handled globally or moot).
                let flag_chars: Vec<char> = chars[i + 2..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphabetic() || **c == '-')
                    .copied()
                    .collect();
                let after = chars.get(i + 2 + flag_chars.len());
                if !flag_chars.is_empty() && matches!(after, Some(')') | Some(':')) {
                    let kept: String = flag_chars
                        .iter()
                        .filter(|f| !matches!(f, 'd' | 'u' | 'U'))
                        .collect();
                    let kept = kept.trim_end_matches('-');
                    i += 2 + flag_chars.len();
                    match (kept.is_empty(), after) {
                        // Nothing left: `(?d)` disappears, `(?d:…)` is a plain group.
                        (true, Some(')')) => i += 1,
                        (true, _) => {
                            out.push_str("(?:");
                            i += 1;
                        }
                        // The `)` or `:` is copied next.
                        (false, _) => {
                            out.push_str("(?");
                            out.push_str(kept);
                        }
                    }
                    continue;
                }
                out.push('(');
            }
            c if in_class => push_literal_in_class(&mut out, c, &chars, i),
            c => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

/// A character inside a class: class syntax (`-`, `^`, `&&`) as it is, other characters that
/// Rust would read as syntax escaped.
fn push_literal_in_class(out: &mut String, c: char, chars: &[char], i: usize) {
    match c {
        '-' | '^' => out.push(c),
        '&' if chars.get(i + 1) == Some(&'&') || (i > 0 && chars[i - 1] == '&') => out.push(c),
        '~' | '&' => {
            out.push('\\');
            out.push(c);
        }
        c => out.push(c),
    }
}

/// The flags set anywhere in the pattern by `(?flags)` or `(?flags:…)` (not cleared ones).
fn global_flags(java: &str) -> Vec<char> {
    let mut flags = Vec::new();
    let mut rest = java;
    while let Some(at) = rest.find("(?") {
        let after = &rest[at + 2..];
        let set: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        if after[set.len()..].starts_with([')', ':', '-']) {
            flags.extend(set.chars());
        }
        rest = &rest[at + 2..];
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::{JavaRegex, Replacement};

    fn re(p: &str) -> JavaRegex {
        JavaRegex::new(p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn replace(text: &str, p: &str, r: &str) -> String {
        let regex = re(p);
        let replacement = Replacement::new(r, &regex).unwrap_or_else(|e| panic!("{r}: {e}"));
        regex.replace_all(text, &replacement).unwrap()
    }

    #[test]
    fn classes_are_ascii_as_in_java() {
        assert_eq!(replace("Ünïcödé straße", r"\W", ""), "ncdstrae");
        assert_eq!(replace("a1٣", r"\d", "#"), "a#٣");
        assert_eq!(replace("Ab Ü", r"\p{Upper}", "U"), "Ub Ü");
        assert_eq!(replace("Ab Ü", r"\p{Lu}", "U"), "Ub U");
        assert_eq!(replace("aé", r"[^\p{ASCII}]", "?"), "a?");
        assert_eq!(replace("a\u{A0}b", r"\s", "_"), "a\u{A0}b");
        assert_eq!(replace("a_b", r"[\w&&[^_]]", "x"), "x_x");
        assert_eq!(replace("a\rb\nc", r".", "x"), "x\rx\nx");
        assert_eq!(replace("a\rb", r"(?s).", "x"), "xxx");
        assert_eq!(replace("Ü-é", r"(?U)\w", "w"), "w-w");
    }

    #[test]
    fn matches_are_found_as_java_finds_them() {
        assert_eq!(replace("aaa", "a*", "X"), "XX");
        assert_eq!(replace("aaa", "a*?", "X"), "XaXaXaX");
        assert_eq!(replace("Banana", "", "."), ".B.a.n.a.n.a.");
        assert_eq!(replace("", "", "."), ".");
        assert_eq!(replace("ab", "^", ">"), ">ab");
        assert_eq!(replace("ab", "$", "<"), "ab<");
        assert_eq!(re("").count("😀 smile").unwrap(), 9);
        assert_eq!(re("a").count("😀 a").unwrap(), 1);
        assert_eq!(re("^").count("😀").unwrap(), 1);
    }

    #[test]
    fn replacements_follow_java() {
        assert_eq!(
            replace("hello world", r"(\w+) (\w+)", "$2 $1"),
            "world hello"
        );
        assert_eq!(replace("a", "(a)", "$1$1"), "aa");
        assert_eq!(replace("a", "(a)", "$10"), "a0");
        assert_eq!(replace("x", "(x)", "$1a"), "xa");
        assert_eq!(replace("x", "x", r"\$1"), "$1");
        assert_eq!(replace("a", "a", r"\\"), "\\");
        assert_eq!(replace("ab", "(?<first>a)", "${first}!"), "a!b");
        assert_eq!(replace("b", "(a)|b", "[$1]"), "[]");
        let regex = re("(a)");
        assert!(Replacement::new("$2", &regex).is_err());
        assert!(Replacement::new("$", &regex).is_err());
        assert!(Replacement::new("$x", &regex).is_err());
        assert!(Replacement::new("a\\", &regex).is_err());
    }

    #[test]
    fn java_constructs_are_translated() {
        assert_eq!(replace("a.b*c", r"\Qa.b*\E", "x"), "xc");
        assert_eq!(replace("MiXeD Case", r"(?=[A-Z])", "|"), "|Mi|Xe|D |Case");
        assert_eq!(replace("hello", r"(\w)\1", "<$1$1>"), "he<ll>o");
        assert_eq!(replace("aab", "a++b", "x"), "x");
        assert_eq!(replace("é", r"\u00e9", "e"), "e");
        assert_eq!(replace("😀", r"\uD83D\uDE00", ":)"), ":)");
        assert_eq!(replace("a\u{1B}b", r"\e", "^"), "a^b");
        assert_eq!(replace("A", r"\0101", "65"), "65");
        assert_eq!(replace("a/-c", r"\/\-", "_"), "a_c");
        assert_eq!(replace("ABC", r"(?iu)b", "_"), "A_C");
        assert_eq!(replace("ABC", r"(?u)B", "_"), "A_C");
        assert_eq!(replace("ABC", r"(?d:B)|(?i:c)", "_"), "A__");
        assert!(JavaRegex::new(r"\p{InGreek}").is_err());
        assert!(JavaRegex::new(r"\y").is_err());
    }

    #[test]
    fn split_follows_java() {
        let split = |s: &str, p: &str, limit: i32| -> Vec<String> {
            re(p)
                .split(s, limit)
                .unwrap()
                .into_iter()
                .map(str::to_string)
                .collect()
        };
        assert_eq!(split("a,b,c", ",", -1), ["a", "b", "c"]);
        assert_eq!(split("a,b,,", ",", -1), ["a", "b", "", ""]);
        assert_eq!(split(",a", ",", -1), ["", "a"]);
        assert_eq!(split("a,b,c", ",", 2), ["a", "b,c"]);
        assert_eq!(split("a,b,c", ",", 1), ["a,b,c"]);
        assert_eq!(split("a,b,c", ",", 5), ["a", "b", "c"]);
        assert_eq!(split("abc", "x", -1), ["abc"]);
        assert_eq!(split("", ",", -1), [""]);
        assert_eq!(split("abc", "", -1), ["a", "b", "c", ""]);
        assert_eq!(split("", "", -1), [""]);
        assert_eq!(split("a1b22c", "[0-9]+", -1), ["a", "b", "c"]);
        assert_eq!(
            split("MiXeD Case", "(?=[A-Z])", -1),
            ["Mi", "Xe", "D ", "Case"]
        );
    }
}
