//! Go's `gopkg.in/yaml.v2` `Marshal` for the values hook tools print.
//!
//! A small port of the parts of yaml.v2's encoder and libyaml emitter that matter
//! here: block style, empty collections as `{}`/`[]`, sequences in mappings not
//! indented, yaml.v2's "natural" key order, quoting of strings that would read back
//! as something else, literal blocks for multi-line strings and folding at column 80.

use std::cmp::Ordering;

use super::node::Node;

const BEST_INDENT: i32 = 2;
const BEST_WIDTH: usize = 80;

/// Marshals `node` as yaml.v2 does (the output ends with a newline).
pub(crate) fn marshal(node: &Node) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
    };
    e.node(node, Ctx::default());
    // Document end.
    e.write_indent();
    e.out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// Where a node is emitted (libyaml's `*_context` flags).
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    mapping: bool,
    simple_key: bool,
}

/// What libyaml's scalar analysis allows.
struct Analysis {
    multiline: bool,
    block_plain: bool,
    single_quoted: bool,
    block: bool,
}

struct Emitter {
    out: String,
    column: usize,
    indent: i32,
    indents: Vec<i32>,
    whitespace: bool,
    indention: bool,
}

impl Emitter {
    fn node(&mut self, node: &Node, ctx: Ctx) {
        match node {
            Node::Map(entries) => {
                let mut sorted: Vec<&(String, Node)> = entries.iter().collect();
                sorted.sort_by(|a, b| key_order(&a.0, &b.0));
                self.mapping(&sorted);
            }
            Node::Struct(fields) => {
                let fields: Vec<&(String, Node)> = fields.iter().collect();
                self.mapping(&fields);
            }
            Node::List(items) => {
                let items: Vec<&Node> = items.iter().collect();
                self.sequence(&items, ctx);
            }
            Node::Strings(items) => {
                let items: Vec<Node> = items.iter().map(|s| Node::Str(s.clone())).collect();
                let items: Vec<&Node> = items.iter().collect();
                self.sequence(&items, ctx);
            }
            Node::Nil => self.scalar("null", Style::Plain, ctx),
            Node::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Node::Int(i) => self.scalar(&i.to_string(), Style::Plain, ctx),
            Node::Uint(u) => self.scalar(&u.to_string(), Style::Plain, ctx),
            Node::Float(f) => self.scalar(&format_float(*f), Style::Plain, ctx),
            Node::Str(s) => self.scalar(s, string_style(s), ctx),
            Node::Plain(s) => self.scalar(s, Style::Plain, ctx),
        }
    }

    fn mapping(&mut self, entries: &[&(String, Node)]) {
        if entries.is_empty() {
            self.flow_empty("{", "}");
            return;
        }
        self.increase_indent(false, false);
        for (key, value) in entries.iter().map(|e| (&e.0, &e.1)) {
            self.write_indent();
            let chars: Vec<char> = key.chars().collect();
            let simple = key.len() <= 128 && !analyze(&chars).multiline;
            if simple {
                let ctx = Ctx {
                    mapping: true,
                    simple_key: true,
                };
                self.scalar(key, string_style(key), ctx);
                self.indicator(":", false, false, false);
            } else {
                self.indicator("?", true, false, true);
                self.scalar(
                    key,
                    string_style(key),
                    Ctx {
                        mapping: true,
                        simple_key: false,
                    },
                );
                self.write_indent();
                self.indicator(":", true, false, true);
            }
            self.node(
                value,
                Ctx {
                    mapping: true,
                    simple_key: false,
                },
            );
        }
        self.pop_indent();
    }

    fn sequence(&mut self, items: &[&Node], ctx: Ctx) {
        if items.is_empty() {
            self.flow_empty("[", "]");
            return;
        }
        // A sequence that is a mapping value is not indented (yaml.v2's style).
        let indentless = ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.indicator("-", true, false, true);
            self.node(item, Ctx::default());
        }
        self.pop_indent();
    }

    fn flow_empty(&mut self, open: &str, close: &str) {
        self.indicator(open, true, true, false);
        self.indicator(close, false, false, false);
    }

    fn scalar(&mut self, value: &str, requested: Style, ctx: Ctx) {
        let chars: Vec<char> = value.chars().collect();
        let a = analyze(&chars);
        let mut style = requested;
        if ctx.simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain && (!a.block_plain || (chars.is_empty() && ctx.simple_key)) {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block || ctx.simple_key) {
            style = Style::Double;
        }
        let allow_breaks = !ctx.simple_key;
        self.increase_indent(true, false);
        match style {
            Style::Plain => self.plain(&chars, allow_breaks),
            Style::Single => self.single_quoted(&chars, allow_breaks),
            Style::Double => self.double_quoted(&chars, allow_breaks),
            Style::Literal => self.literal(&chars),
        }
        self.pop_indent();
    }

    fn plain(&mut self, v: &[char], allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in v.iter().enumerate() {
            if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !is_space_at(v, i + 1) {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn single_quoted(&mut self, v: &[char], allow_breaks: bool) {
        self.indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in v.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < v.len()
                    && !is_space_at(v, i + 1)
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.indicator("'", false, false, false);
    }

    fn double_quoted(&mut self, v: &[char], allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        let mut spaces = false;
        for (i, &c) in v.iter().enumerate() {
            if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let escape = match c {
                    '\0' => "0".to_string(),
                    '\x07' => "a".to_string(),
                    '\x08' => "b".to_string(),
                    '\t' => "t".to_string(),
                    '\n' => "n".to_string(),
                    '\x0b' => "v".to_string(),
                    '\x0c' => "f".to_string(),
                    '\r' => "r".to_string(),
                    '\x1b' => "e".to_string(),
                    '"' => "\"".to_string(),
                    '\\' => "\\".to_string(),
                    '\u{85}' => "N".to_string(),
                    '\u{a0}' => "_".to_string(),
                    '\u{2028}' => "L".to_string(),
                    '\u{2029}' => "P".to_string(),
                    c if (c as u32) <= 0xff => format!("x{:02X}", c as u32),
                    c if (c as u32) <= 0xffff => format!("u{:04X}", c as u32),
                    c => format!("U{:08X}", c as u32),
                };
                for e in escape.chars() {
                    self.put(e);
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i + 1 != v.len()
                {
                    self.write_indent();
                    if is_space_at(v, i + 1) {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
    }

    fn literal(&mut self, v: &[char]) {
        self.indicator("|", true, false, false);
        if v.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chomp = match v {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in v {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                    breaks = false;
                }
                self.put(c);
                self.indention = false;
            }
        }
    }

    fn indicator(
        &mut self,
        text: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in text.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }
}

fn is_space_at(v: &[char], i: usize) -> bool {
    v.get(i) == Some(&' ')
}

fn is_blank_at(v: &[char], i: usize) -> bool {
    matches!(v.get(i), Some(' ') | Some('\t'))
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\0' || is_break(c)
}

/// libyaml's printable set (yaml.v2 counts characters above U+FFFF as not printable).
fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0a
        || (0x20..=0x7e).contains(&u)
        || (0xa0..=0xd7ff).contains(&u)
        || ((0xe000..=0xfffd).contains(&u) && u != 0xfeff)
}

/// libyaml's `yaml_emitter_analyze_scalar`, reduced to the block-context answers.
fn analyze(v: &[char]) -> Analysis {
    if v.is_empty() {
        return Analysis {
            multiline: false,
            block_plain: true,
            single_quoted: true,
            block: false,
        };
    }
    let mut block_indicators = v.starts_with(&['-', '-', '-']) || v.starts_with(&['.', '.', '.']);
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in v.iter().enumerate() {
        let followed_by_whitespace = i + 1 >= v.len() || is_blank_at(v, i + 1);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        let last = i + 1 == v.len();
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain: true,
        single_quoted: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.block_plain = false;
        a.single_quoted = false;
        a.block = false;
    }
    if line_breaks || block_indicators {
        a.block_plain = false;
    }
    a
}

/// The style yaml.v2's `stringv` asks for: literal for multi-line text, quoted when
/// the plain text would read back as another type.
fn string_style(s: &str) -> Style {
    if s.contains('\n') {
        Style::Literal
    } else if resolves_to_str(s) && !is_base60_float(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

const RESOLVE_MAP: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
    "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan",
    ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    "<<",
];

/// yaml.v2's `resolve`: does the plain scalar read back as a string?
fn resolves_to_str(s: &str) -> bool {
    let hint = match s.as_bytes().first() {
        None => 'N',
        Some(b'+' | b'-') => 'S',
        Some(b'0'..=b'9') => 'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => 'M',
        Some(b'.') => '.',
        Some(_) => return true,
    };
    if RESOLVE_MAP.contains(&s) {
        return false;
    }
    match hint {
        '.' => s.parse::<f64>().is_err(),
        'D' | 'S' => {
            if is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            !(is_go_int(&plain)
                || (is_yaml_float(&plain) && plain.parse::<f64>().is_ok_and(f64::is_finite)))
        }
        _ => true,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` would succeed.
fn is_go_int(s: &str) -> bool {
    let (sign, body) = match s.as_bytes().first() {
        Some(b'-') => (Some('-'), &s[1..]),
        Some(b'+') => (Some('+'), &s[1..]),
        _ => (None, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() {
        return false;
    }
    let Ok(magnitude) = u64::from_str_radix(digits, radix) else {
        return false;
    };
    match sign {
        Some('-') => magnitude <= 1 << 63,
        Some(_) => magnitude <= i64::MAX as u64,
        None => true,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// yaml.v2 quotes YAML 1.1 base-60 floats such as `1:20`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    if !(first == b'+' || first == b'-' || first.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let mut i = usize::from(first == b'+' || first == b'-');
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let group = &b[start..i];
        let ok = match group {
            [d] => d.is_ascii_digit(),
            [t, _] => (b'0'..=b'5').contains(t),
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// yaml.v2's timestamp check: `YYYY-M-D`, optionally followed by a time.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |i: &mut usize, min: usize, max: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() && *i - start < max {
            *i += 1;
        }
        if *i - start < min {
            return None;
        }
        s[start..*i].parse().ok()
    };
    let mut i = 0;
    let Some(year) = num(&mut i, 4, 4) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(month) = num(&mut i, 1, 2) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = num(&mut i, 1, 2) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    let Some(&sep) = b.get(i) else {
        return true;
    };
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    // Hours, minutes and seconds, one or two digits each.
    for (limit, trailer) in [(24, Some(b':')), (60, Some(b':')), (60, None)] {
        match num(&mut i, 1, 2) {
            Some(v) if v < limit => {}
            _ => return false,
        }
        if let Some(t) = trailer {
            if b.get(i) != Some(&t) {
                return false;
            }
            i += 1;
        }
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start || i - start > 9 {
            return false;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i += 1;
            let ok = num(&mut i, 2, 2).is_some_and(|h| h < 24) && b.get(i) == Some(&b':') && {
                i += 1;
                num(&mut i, 2, 2).is_some_and(|m| m < 60)
            };
            ok && i == b.len()
        }
        _ => false,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

/// yaml.v2's map key order: runs of digits compare as numbers, letters after
/// other characters.
fn key_order(a: &str, b: &str) -> Ordering {
    if key_less(a, b) {
        Ordering::Less
    } else if key_less(b, a) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ar[i] == '0' || br[i] == '0' {
            for j in (0..i).rev() {
                if !ar[j].is_ascii_digit() {
                    break;
                }
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` with yaml.v2's names for infinities.
fn format_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    if f == 0.0 {
        return format!("{f}");
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, Node)]) -> Node {
        Node::Map(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn scalars() {
        assert_eq!(marshal(&Node::Str("foo".into())), "foo\n");
        assert_eq!(marshal(&Node::Str("".into())), "\"\"\n");
        assert_eq!(marshal(&Node::Str("123".into())), "\"123\"\n");
        assert_eq!(marshal(&Node::Str("yes".into())), "\"yes\"\n");
        assert_eq!(marshal(&Node::Str("a: b".into())), "'a: b'\n");
        assert_eq!(marshal(&Node::Str("it's".into())), "it's\n");
        assert_eq!(marshal(&Node::Str("'q'".into())), "'''q'''\n");
        assert_eq!(marshal(&Node::Str("tab\there".into())), "\"tab\\there\"\n");
        assert_eq!(marshal(&Node::Str("2024-01-02".into())), "\"2024-01-02\"\n");
        assert_eq!(marshal(&Node::Str("1:20".into())), "\"1:20\"\n");
        assert_eq!(marshal(&Node::Str("10.0.0.1".into())), "10.0.0.1\n");
        assert_eq!(marshal(&Node::Int(42)), "42\n");
        assert_eq!(marshal(&Node::Float(1.5)), "1.5\n");
        assert_eq!(marshal(&Node::Float(1e6)), "1e+06\n");
        assert_eq!(marshal(&Node::Float(2.0)), "2\n");
        assert_eq!(marshal(&Node::Bool(true)), "true\n");
    }

    #[test]
    fn literal_blocks() {
        assert_eq!(marshal(&Node::Str("a\nb".into())), "|-\n  a\n  b\n");
        assert_eq!(
            marshal(&map(&[("k", Node::Str("a\nb\n".into()))])),
            "k: |\n  a\n  b\n"
        );
        assert_eq!(
            marshal(&map(&[
                ("k", Node::Str(" a\nb".into())),
                ("z", Node::Int(1))
            ])),
            "k: |2-\n   a\n  b\nz: 1\n"
        );
    }

    #[test]
    fn collections() {
        let node = map(&[
            ("b", Node::Strings(vec!["x".into(), "y".into()])),
            ("a", map(&[("c", Node::Nil)])),
            ("e", Node::Map(vec![])),
            ("d", Node::List(vec![])),
            (
                "f",
                Node::List(vec![map(&[("g", Node::Int(1)), ("h", Node::Int(2))])]),
            ),
        ]);
        assert_eq!(
            marshal(&node),
            "a:\n  c: null\nb:\n- x\n- \"y\"\nd: []\ne: {}\nf:\n- g: 1\n  h: 2\n"
        );
        assert_eq!(marshal(&Node::Map(vec![])), "{}\n");
        assert_eq!(marshal(&Node::Strings(vec!["a".into()])), "- a\n");
    }

    #[test]
    fn implicit_types_are_quoted() {
        for quoted in [
            "2024-01-02T10:00:00Z",
            "2024-1-2 3:4:5",
            "0x1F",
            "1_000",
            "-1.5e3",
            ".5",
            "~",
            "Off",
            "+12",
        ] {
            assert_eq!(string_style(quoted), Style::Double, "{quoted}");
        }
        for plain in [
            "2024-02-30",
            "1.2.3",
            "0xZZ",
            "+",
            "-",
            "web/0",
            "a:b",
            ".x",
            "<<x",
        ] {
            assert_eq!(string_style(plain), Style::Plain, "{plain}");
        }
    }

    #[test]
    fn natural_key_order() {
        let mut keys = vec!["kv/10", "kv/2", "a_b", "aB", "a-b"];
        keys.sort_by(|a, b| key_order(a, b));
        assert_eq!(keys, vec!["a-b", "a_b", "aB", "kv/2", "kv/10"]);
    }

    #[test]
    fn long_strings_fold_at_80() {
        let words = vec!["word"; 30].join(" ");
        let out = marshal(&map(&[("k", Node::Str(words))]));
        let first = out.lines().next().unwrap_or_default();
        assert!(first.len() > 80 && first.len() < 90, "{out}");
        assert!(
            out.lines().nth(1).is_some_and(|l| l.starts_with("  word")),
            "{out}"
        );
    }
}
