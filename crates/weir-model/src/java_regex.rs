//! Java regex syntax (`java.util.regex`, as in botocore models) for whole-string matching.
//!
//! [`compile`] recognizes the most common shape of botocore patterns, a run of one character
//! class (`[\u0020-\uD7FF…\t]*`, `[a-zA-Z0-9_-]+`, `\S+`), and matches it with a precomputed
//! [`CharSet`]; every other pattern goes through [`translate`] to the `regex` crate.

use regex::Regex;

/// A compiled pattern, matched against whole strings (Java `Matcher::matches`).
#[derive(Debug)]
pub enum Matcher {
    /// `X*` or `X+` for a single character class `X`.
    CharRun {
        set: CharSet,
        non_empty: bool,
    },
    Regex(Regex),
}

impl Matcher {
    /// Whether `value` fully matches.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::CharRun { set, non_empty } => {
                !(*non_empty && value.is_empty()) && set.contains_all(value)
            }
            Matcher::Regex(regex) => regex.is_match(value),
        }
    }
}

/// Compiles a Java pattern; `Err` when it cannot be expressed (see [`translate`]).
pub fn compile(java: &str) -> Result<Matcher, String> {
    if let Some(run) = char_run(java) {
        return Ok(run);
    }
    let rust = translate(java)?;
    Regex::new(&rust)
        .map(Matcher::Regex)
        .map_err(|e| e.to_string())
}

/// Recognizes `^?(?X)[*+]$?` where `X` is one class, `.`, or a `\s`-style escape.
fn char_run(java: &str) -> Option<Matcher> {
    let mut parser = Translator::new(java);
    parser.eat('^');
    let grouped = parser.eat('(');
    let set = parser.single_set().ok()??;
    if grouped && !parser.eat(')') {
        return None;
    }
    let non_empty = match parser.peek()? {
        '*' => false,
        '+' => true,
        _ => return None,
    };
    parser.pos += 1;
    parser.eat('$');
    parser.at_end().then(|| Matcher::CharRun {
        set: CharSet::new(set),
        non_empty,
    })
}

/// Translates a Java pattern into an equivalent `regex` pattern anchored for whole-string
/// matching (Java `Matcher::matches`): `^(?:…)$`.
///
/// - `\uXXXX` becomes `\x{XXXX}`; a UTF-16 surrogate pair of escapes becomes one code point.
/// - `\s \S \w \W \d \D` keep their Java (ASCII) meaning.
/// - `.` excludes Java's line terminators.
/// - Inside classes, Java's range rules apply (e.g. `-` after a range is literal) and literals
///   are emitted as `\x{…}`, so the class means the same to the `regex` crate.
///
/// Constructs with no translation (lone surrogates, `\Q…\E`, back-references, …) give `Err`;
/// constructs the `regex` crate lacks (lookarounds, possessive quantifiers) are passed through
/// and fail to compile.
pub fn translate(java: &str) -> Result<String, String> {
    let mut translator = Translator::new(java);
    let mut out = String::from("^(?:");
    translator.sequence(&mut out)?;
    out.push_str(")$");
    Ok(out)
}

/// Inclusive code point ranges.
type Ranges = Vec<(u32, u32)>;

const MAX_CODE_POINT: u32 = 0x10_FFFF;

/// Java's line terminators, which `.` does not match.
const LINE_TERMINATORS: [(u32, u32); 4] =
    [(0x0A, 0x0A), (0x0D, 0x0D), (0x85, 0x85), (0x2028, 0x2029)];

/// A set of characters: a lookup table for ASCII, sorted disjoint ranges above it.
#[derive(Debug)]
pub struct CharSet {
    ascii: [bool; 128],
    ranges: Ranges,
}

impl CharSet {
    fn new(ranges: Ranges) -> Self {
        let ranges = normalize(ranges);
        let mut ascii = [false; 128];
        for &(start, end) in &ranges {
            for c in start..=end.min(127) {
                ascii[c as usize] = true;
            }
        }
        let ranges = ranges
            .into_iter()
            .filter(|&(_, end)| end >= 128)
            .map(|(start, end)| (start.max(128), end))
            .collect();
        Self { ascii, ranges }
    }

    /// Whether the set holds every character of `text` (ASCII bytes take the bitmap fast path).
    pub fn contains_all(&self, text: &str) -> bool {
        for (i, byte) in text.bytes().enumerate() {
            if !byte.is_ascii() {
                // Every byte before `i` is ASCII, so `i` is a character boundary.
                return text[i..].chars().all(|c| self.contains(c));
            }
            if !self.ascii[usize::from(byte)] {
                return false;
            }
        }
        true
    }

    /// Whether the set holds `c`.
    pub fn contains(&self, c: char) -> bool {
        let c = u32::from(c);
        if let Some(&ascii) = self.ascii.get(c as usize) {
            return ascii;
        }
        self.ranges
            .binary_search_by(|&(start, end)| {
                if end < c {
                    std::cmp::Ordering::Less
                } else if start > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }
}

/// Sorts and merges overlapping or adjacent ranges.
fn normalize(mut ranges: Ranges) -> Ranges {
    ranges.sort_unstable();
    let mut merged: Ranges = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The code points not in `ranges`.
fn complement(ranges: Ranges) -> Ranges {
    let mut out = Vec::new();
    let mut next = 0;
    for (start, end) in normalize(ranges) {
        if start > next {
            out.push((next, start - 1));
        }
        next = end + 1;
    }
    if next <= MAX_CODE_POINT {
        out.push((next, MAX_CODE_POINT));
    }
    out
}

/// A translated class: its `regex` text and, when known, the code points it holds.
struct Class {
    text: String,
    /// `None` when the class uses Unicode properties or intersections.
    ranges: Option<Ranges>,
}

impl Class {
    fn add_ranges(&mut self, more: Option<&[(u32, u32)]>) {
        match (&mut self.ranges, more) {
            (Some(ranges), Some(more)) => ranges.extend_from_slice(more),
            _ => self.ranges = None,
        }
    }
}

/// What a class item stands for: one character, or a predefined set (text and ranges).
enum ClassAtom {
    Char(char),
    Set(String, Option<Ranges>),
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
}

impl Translator {
    fn new(java: &str) -> Self {
        Self {
            chars: java.chars().collect(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn at_end(&self) -> bool {
        self.pos == self.chars.len()
    }

    /// Consumes `c` if it is next.
    fn eat(&mut self, c: char) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.pos += 1;
        }
        found
    }

    fn next(&mut self) -> Result<char, String> {
        let c = self.peek().ok_or("unexpected end of pattern")?;
        self.pos += 1;
        Ok(c)
    }

    /// Parses one class, `.`, or `\s`-style escape as a set of code points, if that is next.
    fn single_set(&mut self) -> Result<Option<Ranges>, String> {
        match self.next()? {
            '[' => Ok(self.class()?.ranges),
            '.' => Ok(Some(complement(LINE_TERMINATORS.to_vec()))),
            '\\' => match self.next()? {
                e @ ('s' | 'S' | 'w' | 'W' | 'd' | 'D') => Ok(Some(ascii_ranges(e))),
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// Translates everything outside character classes.
    fn sequence(&mut self, out: &mut String) -> Result<(), String> {
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '\\' => self.escape(out)?,
                '[' => out.push_str(&self.class()?.text),
                '.' => out.push_str(r"[^\n\r\x{85}\x{2028}\x{2029}]"),
                _ => out.push(c),
            }
        }
        Ok(())
    }

    /// Translates an escape outside a class (the `\` is consumed).
    fn escape(&mut self, out: &mut String) -> Result<(), String> {
        let c = self.next()?;
        match c {
            'u' => push_char(out, self.unicode_escape()?),
            's' | 'S' | 'w' | 'W' | 'd' | 'D' => {
                out.push('[');
                out.push_str(ascii_class(c));
                out.push(']');
            }
            't' | 'n' | 'r' | 'f' | 'a' | 'e' | 'x' | 'p' | 'P' | 'b' | 'B' | 'A' | 'z' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_alphanumeric() => return Err(format!("unsupported escape \\{c}")),
            c => push_char(out, c),
        }
        Ok(())
    }

    /// Parses `XXXX` after `\u`, combining a following low-surrogate escape into one code point.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let unit = self.hex4()?;
        if (0xD800..0xDC00).contains(&unit)
            && self.peek() == Some('\\')
            && self.peek_at(1) == Some('u')
        {
            let save = self.pos;
            self.pos += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                let cp = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return char::from_u32(cp).ok_or_else(|| format!("bad code point {cp:X}"));
            }
            self.pos = save;
        }
        char::from_u32(unit).ok_or_else(|| format!("lone surrogate \\u{unit:04X}"))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self.next()?.to_digit(16).ok_or("bad \\u escape")?;
            value = value * 16 + digit;
        }
        Ok(value)
    }

    /// Translates a character class (the `[` is consumed).
    fn class(&mut self) -> Result<Class, String> {
        let negated = self.eat('^');
        let mut class = Class {
            text: String::from(if negated { "[^" } else { "[" }),
            ranges: Some(Vec::new()),
        };
        let mut empty = true;
        loop {
            match self.peek().ok_or("unclosed character class")? {
                ']' if !empty => {
                    self.pos += 1;
                    break;
                }
                '[' => {
                    self.pos += 1;
                    let nested = self.class()?;
                    class.text.push_str(&nested.text);
                    class.add_ranges(nested.ranges.as_deref());
                }
                '&' if self.peek_at(1) == Some('&') => {
                    self.pos += 2;
                    class.text.push_str("&&");
                    class.ranges = None;
                }
                _ => self.class_item(&mut class)?,
            }
            empty = false;
        }
        class.text.push(']');
        if negated {
            class.ranges = class.ranges.map(complement);
        }
        Ok(class)
    }

    /// Translates a single class item: a character, a range or a predefined set.
    fn class_item(&mut self, class: &mut Class) -> Result<(), String> {
        match self.class_atom()? {
            ClassAtom::Set(text, ranges) => {
                class.text.push_str(&text);
                class.add_ranges(ranges.as_deref());
            }
            ClassAtom::Char(start) => {
                let mut end = start;
                let is_range =
                    self.peek() == Some('-') && !matches!(self.peek_at(1), Some(']') | None);
                if is_range {
                    self.pos += 1;
                    match self.class_atom()? {
                        ClassAtom::Char(c) => end = c,
                        ClassAtom::Set(..) => return Err("range ending in a set".into()),
                    }
                }
                if end < start {
                    return Err(format!("reversed range {start:?}-{end:?}"));
                }
                push_char(&mut class.text, start);
                if end != start {
                    class.text.push('-');
                    push_char(&mut class.text, end);
                }
                class.add_ranges(Some(&[(u32::from(start), u32::from(end))]));
            }
        }
        Ok(())
    }

    fn class_atom(&mut self) -> Result<ClassAtom, String> {
        let c = self.next()?;
        if c != '\\' {
            return Ok(ClassAtom::Char(c));
        }
        let e = self.next()?;
        Ok(match e {
            'u' => ClassAtom::Char(self.unicode_escape()?),
            't' => ClassAtom::Char('\t'),
            'n' => ClassAtom::Char('\n'),
            'r' => ClassAtom::Char('\r'),
            'f' => ClassAtom::Char('\x0C'),
            'a' => ClassAtom::Char('\x07'),
            'e' => ClassAtom::Char('\x1B'),
            'x' => ClassAtom::Char(self.hex_escape()?),
            's' | 'S' | 'w' | 'W' | 'd' | 'D' => {
                ClassAtom::Set(ascii_class(e).to_owned(), Some(ascii_ranges(e)))
            }
            'p' | 'P' => ClassAtom::Set(self.property(e)?, None),
            e if e.is_ascii_alphanumeric() => return Err(format!("unsupported escape \\{e}")),
            e => ClassAtom::Char(e),
        })
    }

    /// Parses `hh` or `{h…}` after `\x`.
    fn hex_escape(&mut self) -> Result<char, String> {
        let digits: String = if self.eat('{') {
            let mut digits = String::new();
            loop {
                match self.next()? {
                    '}' => break digits,
                    c => digits.push(c),
                }
            }
        } else {
            [self.next()?, self.next()?].iter().collect()
        };
        u32::from_str_radix(&digits, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| format!("bad \\x escape {digits}"))
    }

    /// Copies `\p{…}` / `\pL` (after `\p` or `\P`) verbatim.
    fn property(&mut self, p: char) -> Result<String, String> {
        let mut out = format!("\\{p}");
        let c = self.next()?;
        out.push(c);
        if c == '{' {
            loop {
                let c = self.next()?;
                out.push(c);
                if c == '}' {
                    break;
                }
            }
        }
        Ok(out)
    }
}

/// The ASCII class (to be placed inside brackets) matching Java's `\s \S \w \W \d \D`.
fn ascii_class(escape: char) -> &'static str {
    match escape {
        's' => "[:space:]",
        'S' => "[:^space:]",
        'w' => "[:word:]",
        'W' => "[:^word:]",
        'd' => "[:digit:]",
        _ => "[:^digit:]",
    }
}

/// The code points of Java's `\s \S \w \W \d \D`.
fn ascii_ranges(escape: char) -> Ranges {
    let positive = match escape.to_ascii_lowercase() {
        's' => vec![(0x09, 0x0D), (0x20, 0x20)],
        'w' => vec![(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
        _ => vec![(0x30, 0x39)],
    };
    if escape.is_ascii_uppercase() {
        complement(positive)
    } else {
        positive
    }
}

/// Appends `c` as an escape that is literal both inside and outside classes.
fn push_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", u32::from(c)));
    }
}
