//! Splitting plain CSV text into rows and fields: text without quote characters whose lines end
//! in `\n` or `\r\n`. The delimiters and line ends of each 64 bytes are found at once, as the
//! bits of one word, so the cost is per field rather than per byte.

use datafusion::arrow::error::ArrowError;

/// Lines of text split into rows of `width` fields.
pub(super) struct Lines<'a> {
    pub text: &'a [u8],
    /// Where each row starts.
    starts: Vec<u32>,
    /// Where each field of each row ends (exclusive), row after row. A field starts one byte
    /// after the one before it ends; a field missing from a short row ends where the one
    /// before it ends, and so is empty.
    ends: Vec<u32>,
    width: usize,
    /// The number of the line after the text.
    pub next_line: usize,
}

impl Lines<'_> {
    pub fn rows(&self) -> usize {
        self.starts.len()
    }

    /// The text of field `column` of row `row`.
    #[inline]
    pub fn field(&self, row: usize, column: usize) -> &[u8] {
        let at = row * self.width + column;
        let end = self.ends[at] as usize;
        let start = match column {
            0 => self.starts[row] as usize,
            _ => self.ends[at - 1] as usize + 1,
        };
        &self.text[start.min(end)..end]
    }

    /// Where row `row` starts in the text.
    pub fn row_start(&self, row: usize) -> usize {
        self.starts[row] as usize
    }

    /// The text of row `row`, for messages.
    pub fn row_text(&self, row: usize) -> String {
        let start = self.starts[row] as usize;
        let end = self.ends[row * self.width + self.width - 1] as usize;
        String::from_utf8_lossy(&self.text[start..end.max(start)]).into_owned()
    }
}

/// How lines are split.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub delimiter: u8,
    pub quote: u8,
    /// Fields in a row.
    pub width: usize,
    /// Whether a row may have fewer fields than `width` (the rest are null).
    pub short_rows: bool,
}

/// `text` split into rows, or `None` when it is not plain: it holds a quote character or a
/// carriage return that does not end a line. `text` ends with a line end unless it is the end
/// of the input. Blank lines are skipped. `first_line` numbers the first line in messages.
pub(super) fn split(
    text: &[u8],
    layout: Layout,
    first_line: usize,
) -> Result<Option<Lines<'_>>, ArrowError> {
    let lone_return = memchr::memchr_iter(b'\r', text).any(|at| text.get(at + 1) != Some(&b'\n'));
    if lone_return || memchr::memchr(layout.quote, text).is_some() {
        return Ok(None);
    }
    // A row has a field per delimiter and one more: about one field per 8 bytes.
    let mut splitter = Splitter {
        layout,
        starts: Vec::with_capacity(text.len() / (8 * layout.width).max(16) + 1),
        ends: Vec::with_capacity(text.len() / 8 + layout.width),
        row_start: 0,
        fields: 0,
        line: first_line,
    };
    let bytes = text;
    let mut blocks = bytes.chunks_exact(64);
    let mut base = 0;
    for block in &mut blocks {
        let mut marks = marks(block.try_into().expect("64 bytes"), layout.delimiter);
        while marks != 0 {
            splitter.mark(bytes, base + marks.trailing_zeros() as usize)?;
            marks &= marks - 1;
        }
        base += 64;
    }
    for (i, &b) in blocks.remainder().iter().enumerate() {
        if b == layout.delimiter || b == b'\n' {
            splitter.mark(bytes, base + i)?;
        }
    }
    if splitter.row_start < bytes.len() {
        // The last line of the input, without a line end.
        splitter.line_end(bytes, bytes.len())?;
    }
    Ok(Some(Lines {
        text,
        starts: splitter.starts,
        ends: splitter.ends,
        width: layout.width,
        next_line: splitter.line,
    }))
}

/// Bit `i` set where byte `i` of the block is the delimiter or a line feed (written so that
/// the compiler compares 16 bytes at a time).
#[inline]
fn marks(block: &[u8; 64], delimiter: u8) -> u64 {
    let mut flags = [0u8; 64];
    for (flag, &b) in flags.iter_mut().zip(block) {
        *flag = ((b == delimiter) | (b == b'\n')) as u8;
    }
    let mut marks = 0u64;
    for (k, eight) in flags.chunks_exact(8).enumerate() {
        let flags = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
        // Gathers the low bit of each byte into the top byte, byte k to bit 56 + k.
        marks |= (flags.wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    marks
}

struct Splitter {
    layout: Layout,
    starts: Vec<u32>,
    ends: Vec<u32>,
    row_start: usize,
    /// Delimiters seen in the current row.
    fields: usize,
    line: usize,
}

impl Splitter {
    #[inline(always)]
    fn mark(&mut self, bytes: &[u8], at: usize) -> Result<(), ArrowError> {
        if bytes[at] == b'\n' {
            return self.line_end(bytes, at);
        }
        if self.fields + 1 < self.layout.width {
            self.ends.push(at as u32);
        }
        self.fields += 1;
        Ok(())
    }

    fn line_end(&mut self, bytes: &[u8], at: usize) -> Result<(), ArrowError> {
        let mut end = at;
        if end > self.row_start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        let line = self.line;
        self.line += 1;
        if self.fields == 0 && end == self.row_start {
            self.row_start = at + 1;
            return Ok(());
        }
        let got = self.fields + 1;
        let width = self.layout.width;
        if got > width || (got < width && !self.layout.short_rows) {
            return Err(ArrowError::CsvError(format!(
                "incorrect number of fields for line {line}, expected {width} got {got}"
            )));
        }
        self.ends.push(end as u32);
        for _ in got..width {
            self.ends.push(end as u32);
        }
        self.starts.push(self.row_start as u32);
        self.row_start = at + 1;
        self.fields = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(width: usize) -> Layout {
        Layout {
            delimiter: b'|',
            quote: b'"',
            width,
            short_rows: false,
        }
    }

    fn rows(lines: &Lines) -> Vec<Vec<String>> {
        (0..lines.rows())
            .map(|r| {
                (0..lines.width)
                    .map(|c| String::from_utf8(lines.field(r, c).to_vec()).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn splits_rows_across_blocks_of_64_bytes() {
        let mut text = String::new();
        let mut expected = Vec::new();
        for i in 0..200 {
            let row = vec![
                i.to_string(),
                "x".repeat(i % 70),
                String::new(),
                format!("{}.5", i * 3),
            ];
            text.push_str(&row.join("|"));
            text.push_str(if i % 3 == 0 { "\r\n" } else { "\n" });
            expected.push(row);
        }
        let lines = split(text.as_bytes(), layout(4), 1).unwrap().unwrap();
        assert_eq!(rows(&lines), expected);
    }

    #[test]
    fn last_line_without_line_end_and_blank_lines() {
        let lines = split(b"\na|b\n\r\n\nc|d", layout(2), 1).unwrap().unwrap();
        assert_eq!(rows(&lines), vec![vec!["a", "b"], vec!["c", "d"]]);
    }

    #[test]
    fn short_rows_are_padded_or_refused() {
        let text = b"a|b|c\nd\ne|f\n";
        let err = split(text, layout(3), 1).err().unwrap();
        assert_eq!(
            err.to_string(),
            "Csv error: incorrect number of fields for line 2, expected 3 got 1"
        );
        let short = Layout {
            short_rows: true,
            ..layout(3)
        };
        let lines = split(text, short, 1).unwrap().unwrap();
        assert_eq!(
            rows(&lines),
            vec![vec!["a", "b", "c"], vec!["d", "", ""], vec!["e", "f", ""]]
        );
        let err = split(b"a|b\nc|d|e\n", layout(2), 10).err().unwrap();
        assert!(
            err.to_string().contains("line 11, expected 2 got 3"),
            "{err}"
        );
    }

    #[test]
    fn quotes_and_lone_carriage_returns_are_not_plain() {
        assert!(split(b"a|\"b\"\n", layout(2), 1).unwrap().is_none());
        assert!(split(b"a|b\rc|d\n", layout(2), 1).unwrap().is_none());
    }
}
